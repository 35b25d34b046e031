/*
 * Ordering and fair-share policies as plugins (issue 13): the registries,
 * a host's ordering through the ops table (priority, compare, outranks,
 * hooks, NaN and infinite answers), the site factor, changing the
 * ordering by name (API and JSON, all-or-nothing), exact ranking of
 * priorities beyond 2^53, and a host's fair-share algorithm. Every
 * expected order is worked out by hand next to it.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <math.h>
#include <stdlib.h>

/* ---- helpers ------------------------------------------------------------ */

static gs_topo *topo8(void)
{
    /* one node of 8 H100s: every job below takes all 8, so jobs run one
     * at a time and the start order is the ordering's */
    gs_topo *t = NULL;
    if (gs_topo_load(&t, "dgx-h100", NULL) != GS_OK)
        fail_msg("dgx-h100: %s", gs_topo_errmsg(t));
    return t;
}

static gs_sched *mk_named(const gs_topo *t, const char *ordering,
                          gs_preempt_mode pm)
{
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.ordering_name = ordering;
    cfg.preempt = pm;
    gs_sched *s = NULL;
    if (gs_sched_create(&s, t, &cfg) != GS_OK)
        fail_msg("create: %s", gs_sched_errmsg(s));
    return s;
}

static uint64_t sub(gs_sched *s, uint32_t gpus, int64_t limit, int64_t prio,
                    int64_t submit, const char *user, int preemptible)
{
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = gpus;
    spec.time_limit = limit;
    spec.priority = prio;
    spec.submit_time = submit;
    spec.user = user;
    spec.preemptible = preemptible;
    uint64_t id = 0;
    if (gs_sched_submit(s, &spec, &id) != GS_OK)
        fail_msg("submit: %s", gs_sched_errmsg(s));
    return id;
}

static void step(gs_sched *s, int64_t now)
{
    assert_int_equal(gs_sched_step(s, now, NULL), GS_OK);
    assert_int_equal(gs_sched_check(s), GS_OK);
}

/* The one job started by the last step (its events are taken: the next
 * call sees the next step's only). */
static uint64_t started(gs_sched *s)
{
    uint64_t id = 0;
    size_t n = gs_sched_event_count(s);
    for (size_t i = 0; i < n; i++) {
        gs_event ev = GS_EVENT_INIT;
        assert_int_equal(gs_sched_event(s, i, &ev), GS_OK);
        if (ev.kind == GS_EVENT_STARTED) {
            assert_int_equal(id, 0);
            id = ev.job;
        }
    }
    assert_int_equal(gs_sched_events_consume(s, n), GS_OK);
    return id;
}

/* Run jobs one at a time from now: their ids in start order into out. */
static void run_all(gs_sched *s, int64_t now, uint64_t *out, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        step(s, now);
        out[k] = started(s);
        if (!out[k])
            fail_msg("nothing started at %lld (start %zu)", (long long)now,
                     k);
        assert_int_equal(gs_sched_complete(s, out[k], now + 5), GS_OK);
        now += 10;
    }
}

/* ---- a host's ordering: shortest time limit first ---------------------- */

typedef struct probe_state {
    int inits, destroys, refreshes, starts, ends;
    uint64_t last_started, last_ended;
    gs_order_job seen; /* the last view priority() saw */
    int fail_init;
} probe_state;

static probe_state ps;

static gs_status stf_init(void **state, const gs_topo *topo,
                          const char *options)
{
    assert_non_null(topo);
    if (ps.fail_init)
        return GS_EINVAL;
    ps.inits++;
    *state = &ps;
    /* options reach init */
    if (options)
        assert_string_equal(options, "opt=1");
    return GS_OK;
}

static void stf_destroy(void *state)
{
    assert_ptr_equal(state, &ps);
    ps.destroys++;
}

static void stf_refresh(void *state, int64_t now)
{
    (void)now;
    assert_ptr_equal(state, &ps);
    ps.refreshes++;
}

static double stf_priority(void *state, const gs_order_job *j)
{
    probe_state *p = state;
    p->seen = *j;
    return -(double)j->time_limit;
}

static void stf_started(void *state, uint64_t job, int64_t now)
{
    (void)now;
    probe_state *p = state;
    p->starts++;
    p->last_started = job;
}

static void stf_ended(void *state, uint64_t job, int64_t now)
{
    (void)now;
    probe_state *p = state;
    p->ends++;
    p->last_ended = job;
}

static const gs_ordering_ops stf = {
    .abi_version = GS_ORDERING_ABI_VERSION,
    .name = "test-shortest-first",
    .init = stf_init,
    .destroy = stf_destroy,
    .refresh = stf_refresh,
    .priority = stf_priority,
    .job_started = stf_started,
    .job_ended = stf_ended,
};

static void custom_ordering_ranks_and_hooks(void **state)
{
    (void)state;
    memset(&ps, 0, sizeof ps);
    assert_int_equal(gs_ordering_register(&stf), GS_OK);
    gs_topo *t = topo8();
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.ordering_name = "test-shortest-first";
    cfg.ordering_options = "opt=1";
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, &cfg), GS_OK);
    assert_string_equal(gs_sched_ordering(s), "test-shortest-first");
    assert_int_equal(ps.inits, 1);
    /* limits 300, 100, 200, none (0 = -0: first among equals? no: 0 is
     * the largest value -0; by hand the values are -300, -100, -200, 0,
     * so the job without a limit goes first, then 100, 200, 300) */
    uint64_t a = sub(s, 8, 300, 0, 0, "ann", 0);
    uint64_t b = sub(s, 8, 100, 0, 1, "bob", 0);
    uint64_t c = sub(s, 8, 200, 0, 2, "cy", 0);
    uint64_t d = sub(s, 8, 0, 0, 3, "dee", 0);
    uint64_t got[4];
    run_all(s, 100, got, 4);
    uint64_t want[4] = {d, b, c, a};
    assert_memory_equal(got, want, sizeof want);
    /* hooks: one refresh per step, a start and an end per job */
    assert_int_equal(ps.refreshes, 4);
    assert_int_equal(ps.starts, 4);
    assert_int_equal(ps.ends, 4);
    assert_int_equal(ps.last_started, a);
    assert_int_equal(ps.last_ended, a);
    /* the view of the last job ranked alone (a, at t=130) */
    assert_int_equal(ps.seen.id, a);
    assert_string_equal(ps.seen.user, "ann");
    assert_null(ps.seen.account);
    assert_int_equal(ps.seen.gpus, 8);
    assert_int_equal(ps.seen.now, 130);
    assert_int_equal(ps.seen.age, 130);
    assert_int_equal(ps.seen.time_limit, 300);
    assert_int_equal(ps.seen.running, 0);
    /* without GS_ORDERING_USES_FACTORS the factors are not computed */
    assert_true(ps.seen.fairshare == -1);
    assert_true(ps.seen.age_factor == 0);
    assert_non_null(ps.seen.weights);
    /* the value is shown as priority_value */
    gs_job_info i = GS_JOB_INFO_INIT;
    assert_int_equal(gs_sched_job_info(s, a, &i), GS_OK);
    assert_true(i.priority_value == -300);
    gs_sched_destroy(s);
    assert_int_equal(ps.destroys, 1);
    gs_topo_destroy(t);
    assert_int_equal(gs_ordering_unregister("test-shortest-first"), GS_OK);
}

/* ---- compare, NaN and infinity ------------------------------------------ */

/* the larger id first */
static int by_id_desc(void *state, const gs_order_job *a,
                      const gs_order_job *b)
{
    (void)state;
    return a->id > b->id ? -1 : a->id < b->id;
}

static const gs_ordering_ops reverse = {
    .abi_version = GS_ORDERING_ABI_VERSION,
    .name = "test-reverse",
    .compare = by_id_desc,
};

/* users name their value: "nan", "inf", "-inf", else 0 */
static double by_user(void *state, const gs_order_job *j)
{
    (void)state;
    if (!j->user)
        return 0;
    if (!strcmp(j->user, "nan"))
        return NAN;
    if (!strcmp(j->user, "inf"))
        return INFINITY;
    if (!strcmp(j->user, "-inf"))
        return -INFINITY;
    return 0;
}

static const gs_ordering_ops odd_values = {
    .abi_version = GS_ORDERING_ABI_VERSION,
    .name = "test-odd-values",
    .priority = by_user,
};

static void compare_nan_and_infinity(void **state)
{
    (void)state;
    assert_int_equal(gs_ordering_register(&reverse), GS_OK);
    assert_int_equal(gs_ordering_register(&odd_values), GS_OK);
    gs_topo *t = topo8();
    gs_sched *s = mk_named(t, "test-reverse", GS_PREEMPT_OFF);
    uint64_t a = sub(s, 8, 0, 0, 0, NULL, 0);
    uint64_t b = sub(s, 8, 0, 0, 1, NULL, 0);
    uint64_t c = sub(s, 8, 0, 0, 2, NULL, 0);
    uint64_t got[3], want[3] = {c, b, a};
    run_all(s, 10, got, 3);
    assert_memory_equal(got, want, sizeof want);
    gs_sched_destroy(s);

    /* NaN ranks after everything, -inf included; +inf before everything;
     * equal values (0, 0) by submission time */
    s = mk_named(t, "test-odd-values", GS_PREEMPT_OFF);
    uint64_t n = sub(s, 8, 0, 0, 0, "nan", 0);
    uint64_t m = sub(s, 8, 0, 0, 1, "-inf", 0);
    uint64_t z1 = sub(s, 8, 0, 0, 2, "zed", 0);
    uint64_t z2 = sub(s, 8, 0, 0, 3, "zoe", 0);
    uint64_t p = sub(s, 8, 0, 0, 4, "inf", 0);
    uint64_t got5[5], want5[5] = {p, z1, z2, m, n};
    run_all(s, 10, got5, 5);
    assert_memory_equal(got5, want5, sizeof want5);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
    assert_int_equal(gs_ordering_unregister("test-reverse"), GS_OK);
    assert_int_equal(gs_ordering_unregister("test-odd-values"), GS_OK);
}

/* ---- preemption by the policy's outranks -------------------------------- */

/* vip first (only the first job that cannot start may preempt) */
static double vip_first(void *state, const gs_order_job *j)
{
    (void)state;
    return j->user && !strcmp(j->user, "vip") ? 1 : 0;
}

/* vip may preempt bob's jobs only */
static int vip_outranks(void *state, const gs_order_job *hi,
                        const gs_order_job *lo)
{
    (void)state;
    assert_false(hi->running);
    assert_true(lo->running);
    return hi->user && !strcmp(hi->user, "vip") && lo->user &&
           !strcmp(lo->user, "bob");
}

static const gs_ordering_ops vip = {
    .abi_version = GS_ORDERING_ABI_VERSION,
    .name = "test-vip",
    .priority = vip_first,
    .outranks = vip_outranks,
};

static void outranks_decides_preemption(void **state)
{
    (void)state;
    assert_int_equal(gs_ordering_register(&vip), GS_OK);
    gs_topo *t = topo8();
    gs_sched *s = mk_named(t, "test-vip", GS_PREEMPT_REQUEUE);
    uint64_t bob = sub(s, 4, 0, 0, 0, "bob", 1);
    uint64_t dan = sub(s, 4, 0, 0, 0, "dan", 1);
    step(s, 0);
    assert_int_equal(gs_sched_event_count(s), 2); /* bob and dan start */
    assert_int_equal(gs_sched_events_consume(s, 2), GS_OK);
    /* carl ranks first while vip is away, and outranks nobody: he waits */
    uint64_t carl = sub(s, 8, 0, 0, 1, "carl", 0);
    step(s, 10);
    assert_int_equal(started(s), 0);
    /* vip ranks first (value 1) and needs 4 GPUs. bob and dan lost the
     * same work, and without outranks() the value rule (1 > 0) would let
     * vip stop either, the most recent first: dan. vip_outranks allows
     * bob only: bob is requeued, dan runs on, carl waits. */
    uint64_t v = sub(s, 4, 0, 0, 10, "vip", 0);
    step(s, 20);
    gs_job_info i = GS_JOB_INFO_INIT;
    assert_int_equal(gs_sched_job_info(s, v, &i), GS_OK);
    assert_int_equal(i.state, GS_JOB_RUNNING);
    assert_int_equal(gs_sched_job_info(s, bob, &i), GS_OK);
    assert_int_equal(i.state, GS_JOB_PENDING);
    assert_int_equal(i.requeues, 1);
    assert_int_equal(gs_sched_job_info(s, dan, &i), GS_OK);
    assert_int_equal(i.state, GS_JOB_RUNNING);
    assert_int_equal(gs_sched_job_info(s, carl, &i), GS_OK);
    assert_int_equal(i.state, GS_JOB_PENDING);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
    assert_int_equal(gs_ordering_unregister("test-vip"), GS_OK);
}

/* ---- the registry -------------------------------------------------------- */

static void registry_rules(void **state)
{
    (void)state;
    assert_int_equal(gs_ordering_abi_version(), GS_ORDERING_ABI_VERSION);
    assert_true(gs_ordering_count() >= 3);
    assert_string_equal(gs_ordering_name(0), "multifactor");
    assert_string_equal(gs_ordering_name(1), "fifo");
    assert_string_equal(gs_ordering_name(2), "priority");
    assert_null(gs_ordering_name(gs_ordering_count()));
    assert_null(gs_ordering_find(NULL));
    assert_null(gs_ordering_find("nope"));
    assert_non_null(gs_ordering_find("fifo"));
    gs_ordering_ops bad = stf;
    assert_int_equal(gs_ordering_register(NULL), GS_EINVAL);
    bad.name = NULL;
    assert_int_equal(gs_ordering_register(&bad), GS_EINVAL);
    bad.name = "";
    assert_int_equal(gs_ordering_register(&bad), GS_EINVAL);
    bad = stf;
    bad.priority = NULL;
    assert_int_equal(gs_ordering_register(&bad), GS_EINVAL);
    bad = stf;
    bad.abi_version = 0;
    assert_int_equal(gs_ordering_register(&bad), GS_EINVAL);
    bad.abi_version = GS_ORDERING_ABI_VERSION + 1;
    assert_int_equal(gs_ordering_register(&bad), GS_EINVAL);
    bad = stf;
    bad.flags = 0x80;
    assert_int_equal(gs_ordering_register(&bad), GS_EINVAL);
    bad = stf;
    bad.name = "fifo";
    assert_int_equal(gs_ordering_register(&bad), GS_EEXIST);
    assert_int_equal(gs_ordering_unregister("fifo"), GS_EINVAL);
    assert_int_equal(gs_ordering_unregister("nope"), GS_ENOTFOUND);
    assert_int_equal(gs_ordering_unregister(NULL), GS_EINVAL);
    /* 64 at most: fill it up, then empty it again */
    static char names[64][16];
    static gs_ordering_ops many[64];
    size_t before = gs_ordering_count(), added = 0;
    for (size_t i = 0; i < 64; i++) {
        snprintf(names[i], sizeof names[i], "t%zu", i);
        many[i] = stf;
        many[i].name = names[i];
        gs_status st = gs_ordering_register(&many[i]);
        if (before + i < 64) {
            assert_int_equal(st, GS_OK);
            added++;
        } else {
            assert_int_equal(st, GS_ENOMEM);
        }
    }
    assert_int_equal(gs_ordering_count(), 64);
    for (size_t i = 0; i < added; i++)
        assert_int_equal(gs_ordering_unregister(names[i]), GS_OK);
    assert_int_equal(gs_ordering_count(), before);
    /* a scheduler keeps a policy unregistered after it was made */
    assert_int_equal(gs_ordering_register(&stf), GS_OK);
    gs_topo *t = topo8();
    gs_sched *s = mk_named(t, "test-shortest-first", GS_PREEMPT_OFF);
    assert_int_equal(gs_ordering_unregister("test-shortest-first"), GS_OK);
    uint64_t a = sub(s, 8, 50, 0, 0, NULL, 0);
    step(s, 1);
    assert_int_equal(started(s), a);
    gs_sched_destroy(s);
    /* an unknown name fails creation, naming it */
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.ordering_name = "no-such-ordering";
    s = NULL;
    assert_int_equal(gs_sched_create(&s, t, &cfg), GS_ENOTFOUND);
    assert_non_null(strstr(gs_sched_errmsg(s), "no-such-ordering"));
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* ---- changing the ordering: API and JSON, all or nothing --------------- */

static void change_ordering(void **state)
{
    (void)state;
    memset(&ps, 0, sizeof ps);
    assert_int_equal(gs_ordering_register(&stf), GS_OK);
    gs_topo *t = topo8();
    gs_sched *s = mk_named(t, NULL, GS_PREEMPT_OFF);
    assert_string_equal(gs_sched_ordering(s), "multifactor");
    assert_int_equal(gs_sched_set_ordering(s, "nope", NULL), GS_ENOTFOUND);
    assert_int_equal(gs_sched_set_ordering(s, NULL, NULL), GS_EINVAL);
    assert_int_equal(gs_sched_set_ordering(NULL, "fifo", NULL), GS_EINVAL);
    ps.fail_init = 1;
    assert_int_equal(gs_sched_set_ordering(s, "test-shortest-first", NULL),
                     GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "refused to start"));
    assert_string_equal(gs_sched_ordering(s), "multifactor");
    /* JSON: a policy refusing to start fails the whole document */
    const char *doc = "{\"half_life\": 5, \"ordering\": "
                      "\"test-shortest-first\"}";
    gs_share *sh = gs_sched_share(s);
    assert_int_equal(gs_sched_configure(s, doc, strlen(doc), "c.json"),
                     GS_EPARSE);
    assert_non_null(strstr(gs_sched_errmsg(s), "c.json:1:"));
    assert_string_equal(gs_sched_ordering(s), "multifactor");
    (void)sh;
    ps.fail_init = 0;
    assert_int_equal(gs_sched_configure(s, doc, strlen(doc), "c.json"),
                     GS_OK);
    assert_string_equal(gs_sched_ordering(s), "test-shortest-first");
    assert_int_equal(ps.inits, 1);
    /* an unknown name lists the registered ones; a later error in the
     * document destroys the state made while checking */
    const char *bad = "{\"ordering\": \"nope\"}";
    assert_int_equal(gs_sched_configure(s, bad, strlen(bad), "b.json"),
                     GS_EPARSE);
    assert_non_null(strstr(gs_sched_errmsg(s), "b.json:1:14:"));
    assert_non_null(strstr(gs_sched_errmsg(s), "multifactor, fifo, priority"));
    assert_int_equal(gs_sched_set_ordering(s, "fifo", NULL), GS_OK);
    assert_int_equal(ps.destroys, 1);
    const char *later = "{\"ordering\": \"test-shortest-first\", "
                        "\"backfill\": \"sideways\"}";
    assert_int_equal(gs_sched_configure(s, later, strlen(later), "l.json"),
                     GS_EPARSE);
    assert_int_equal(ps.inits, 2);
    assert_int_equal(ps.destroys, 2);
    assert_string_equal(gs_sched_ordering(s), "fifo");
    /* fair share by name */
    assert_int_equal(gs_sched_set_fairshare(s, "classic"), GS_OK);
    assert_int_equal(gs_sched_set_fairshare(s, "nope"), GS_ENOTFOUND);
    const char *fs = "{\"fairshare\": \"nope\"}";
    assert_int_equal(gs_sched_configure(s, fs, strlen(fs), "f.json"),
                     GS_EPARSE);
    assert_non_null(strstr(gs_sched_errmsg(s), "fair-tree, classic"));
    gs_sched_destroy(s);
    gs_topo_destroy(t);
    assert_int_equal(gs_ordering_unregister("test-shortest-first"), GS_OK);
}

/* ---- exact priorities, and the site factor ------------------------------ */

static void priorities_beyond_2_53(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    gs_sched *s = mk_named(t, "priority", GS_PREEMPT_OFF);
    /* 2^62 and 2^62 + 1 are one double: the int64 decides */
    int64_t big = (int64_t)1 << 62;
    uint64_t a = sub(s, 8, 0, big, 0, NULL, 0);
    uint64_t b = sub(s, 8, 0, big + 1, 1, NULL, 0);
    uint64_t c = sub(s, 8, 0, INT64_MAX, 2, NULL, 0);
    uint64_t d = sub(s, 8, 0, INT64_MIN, 3, NULL, 0);
    uint64_t got[4], want[4] = {c, b, a, d};
    run_all(s, 10, got, 4);
    assert_memory_equal(got, want, sizeof want);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

static void site_factor(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    gs_sched *s = mk_named(t, NULL, GS_PREEMPT_OFF);
    uint64_t a = sub(s, 8, 0, 0, 0, "u", 0);
    uint64_t b = sub(s, 8, 0, 0, 0, "u", 0);
    /* same user and submission: equal priorities, a first by id; a site
     * factor of 500 puts b first, and shows in its breakdown */
    assert_int_equal(gs_sched_set_job_factor(s, b, 500), GS_OK);
    step(s, 10);
    assert_int_equal(started(s), b);
    gs_priority_breakdown pa = GS_PRIORITY_BREAKDOWN_INIT,
                          pb = GS_PRIORITY_BREAKDOWN_INIT;
    assert_int_equal(gs_sched_job_priority(s, a, &pa), GS_OK);
    assert_int_equal(gs_sched_job_priority(s, b, &pb), GS_OK);
    assert_true(pa.site == 0);
    assert_true(pb.site == 500);
    assert_true(fabs(pb.total - pa.total - 500) < 1e-9);
    /* a's value is what it was ranked by: its multifactor total */
    assert_true(pa.value == pa.total);
    /* numbers are checked where they enter */
    assert_int_equal(gs_sched_set_job_factor(s, a, NAN), GS_EINVAL);
    assert_int_equal(gs_sched_set_job_factor(s, a, INFINITY), GS_ERANGE);
    assert_int_equal(gs_sched_set_job_factor(s, a, 2e15), GS_ERANGE);
    assert_int_equal(gs_sched_set_job_factor(s, a, -1e15), GS_OK);
    assert_int_equal(gs_sched_set_job_factor(s, 99, 1), GS_ENOTFOUND);
    assert_int_equal(gs_sched_complete(s, b, 20), GS_OK);
    assert_int_equal(gs_sched_set_job_factor(s, b, 1), GS_ESTATE);
    assert_int_equal(gs_sched_set_job_factor(NULL, b, 1), GS_EINVAL);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* ---- a host's fair-share algorithm -------------------------------------- */

/* users get 0.25, accounts keep the classic factor */
static gs_status quarter(void *arg, gs_share *share, double now)
{
    (void)now;
    int *calls = arg;
    (*calls)++;
    for (size_t i = 0; i < gs_share_row_count(share); i++) {
        gs_share_row r = GS_SHARE_ROW_INIT;
        if (gs_share_row_get(share, i, &r) != GS_OK)
            return GS_EINVAL;
        if (r.user && gs_share_set_factor(share, i, 0.25) != GS_OK)
            return GS_EINVAL;
    }
    return GS_OK;
}

static int quarter_calls;
static const gs_fairshare_ops quarter_ops = {
    .abi_version = GS_FAIRSHARE_ABI_VERSION,
    .name = "test-quarter",
    .compute = quarter,
    .arg = &quarter_calls,
};

static gs_status failing(void *arg, gs_share *share, double now)
{
    (void)arg;
    (void)share;
    (void)now;
    return GS_ERANGE;
}

/* sets user rows to 0.125, then fails */
static gs_status half_done(void *arg, gs_share *share, double now)
{
    (void)arg;
    (void)now;
    for (size_t i = 0; i < gs_share_row_count(share); i++) {
        gs_share_row r = GS_SHARE_ROW_INIT;
        gs_share_row_get(share, i, &r);
        if (r.user)
            gs_share_set_factor(share, i, 0.125);
    }
    return GS_EINVAL;
}

static const gs_fairshare_ops half_done_ops = {
    .abi_version = GS_FAIRSHARE_ABI_VERSION,
    .name = "test-half-done",
    .compute = half_done,
};

static const gs_fairshare_ops failing_ops = {
    .abi_version = GS_FAIRSHARE_ABI_VERSION,
    .name = "test-failing",
    .compute = failing,
};

static void fairshare_plugin(void **state)
{
    (void)state;
    assert_string_equal(gs_fairshare_name(0), "fair-tree");
    assert_string_equal(gs_fairshare_name(1), "classic");
    assert_null(gs_fairshare_name(gs_fairshare_count()));
    assert_int_equal(gs_fairshare_register(NULL), GS_EINVAL);
    gs_fairshare_ops bad = quarter_ops;
    bad.compute = NULL;
    assert_int_equal(gs_fairshare_register(&bad), GS_EINVAL);
    bad = quarter_ops;
    bad.abi_version = 2;
    assert_int_equal(gs_fairshare_register(&bad), GS_EINVAL);
    bad = quarter_ops;
    bad.name = "classic";
    assert_int_equal(gs_fairshare_register(&bad), GS_EEXIST);
    assert_int_equal(gs_fairshare_unregister("classic"), GS_EINVAL);
    assert_int_equal(gs_fairshare_register(&quarter_ops), GS_OK);
    assert_int_equal(gs_fairshare_register(&failing_ops), GS_OK);

    gs_share *sh = NULL;
    assert_int_equal(gs_share_create(&sh), GS_OK);
    assert_int_equal(gs_share_add_account(sh, "a", NULL, 1), GS_OK);
    assert_int_equal(gs_share_add_user(sh, "u", "a", 1), GS_OK);
    assert_int_equal(gs_share_add_user(sh, "v", "a", 3), GS_OK);
    /* the plugin starts from the classic columns: no usage, so a user's
     * classic factor is 2^0 = 1 */
    assert_int_equal(
        gs_share_compute_with(sh, gs_fairshare_find("test-quarter"), 0),
        GS_OK);
    assert_int_equal(quarter_calls, 1);
    assert_true(gs_share_factor(sh, "u", "a") == 0.25);
    assert_true(gs_share_factor(sh, "v", "a") == 0.25);
    /* set_factor checks its numbers */
    assert_int_equal(gs_share_set_factor(sh, 0, NAN), GS_EINVAL);
    assert_int_equal(gs_share_set_factor(sh, 0, 1.5), GS_ERANGE);
    assert_int_equal(gs_share_set_factor(sh, 0, -0.1), GS_ERANGE);
    assert_int_equal(gs_share_set_factor(sh, 99, 0.5), GS_EINVAL);
    assert_int_equal(gs_share_set_factor(NULL, 0, 0.5), GS_EINVAL);
    /* a failing algorithm's error comes back, with a message */
    assert_int_equal(
        gs_share_compute_with(sh, gs_fairshare_find("test-failing"), 0),
        GS_ERANGE);
    assert_non_null(strstr(gs_share_errmsg(sh), "test-failing"));
    assert_int_equal(gs_share_compute_with(sh, NULL, 0), GS_EINVAL);
    /* what a failing algorithm set before failing does not stay: the
     * classic factors (no usage: 1) */
    assert_int_equal(gs_fairshare_register(&half_done_ops), GS_OK);
    assert_int_equal(
        gs_share_compute_with(sh, gs_fairshare_find("test-half-done"), 0),
        GS_EINVAL);
    assert_true(gs_share_factor(sh, "u", "a") == 1.0);
    assert_int_equal(gs_fairshare_unregister("test-half-done"), GS_OK);
    gs_share_destroy(sh);

    /* in a scheduler: the multifactor breakdown reads the plugin's factor */
    gs_topo *t = topo8();
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.fairshare_name = "test-quarter";
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, &cfg), GS_OK);
    uint64_t j = sub(s, 8, 0, 0, 0, "u", 0);
    step(s, 10);
    gs_priority_breakdown b = GS_PRIORITY_BREAKDOWN_INIT;
    assert_int_equal(gs_sched_job_priority(s, j, &b), GS_OK);
    assert_true(b.fairshare == 0.25);
    gs_sched_destroy(s);
    /* a failing algorithm does not stop the step: classic factors (no
     * usage: 2^0 = 1), and the message says what failed */
    cfg.fairshare_name = "test-failing";
    s = NULL;
    assert_int_equal(gs_sched_create(&s, t, &cfg), GS_OK);
    j = sub(s, 8, 0, 0, 0, "u", 0);
    assert_int_equal(gs_sched_step(s, 10, NULL), GS_OK);
    assert_non_null(strstr(gs_sched_errmsg(s), "\"test-failing\" failed"));
    assert_non_null(strstr(gs_sched_errmsg(s), "classic factors were used"));
    assert_int_equal(gs_sched_job_priority(s, j, &b), GS_OK);
    assert_true(b.fairshare == 1.0);
    gs_sched_destroy(s);
    cfg.fairshare_name = "nope";
    s = NULL;
    assert_int_equal(gs_sched_create(&s, t, &cfg), GS_ENOTFOUND);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
    assert_int_equal(gs_fairshare_unregister("test-quarter"), GS_OK);
    assert_int_equal(gs_fairshare_unregister("test-failing"), GS_OK);
    assert_int_equal(gs_fairshare_unregister("test-failing"), GS_ENOTFOUND);
}

/* A handle whose creation failed says why, and refuses everything else
 * (it used to crash on the first submit). */
static void failed_handle_is_refused(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.ordering_name = "no-such-ordering";
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, &cfg), GS_ENOTFOUND);
    assert_non_null(s);
    const char *why = "no ordering policy named \"no-such-ordering\"";
    assert_non_null(strstr(gs_sched_errmsg(s), why));
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 1;
    uint64_t id = 0;
    uint32_t gpus[8];
    size_t n = 0;
    char buf[64];
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_EINVAL);
    assert_int_equal(gs_sched_preview(s, &spec, gpus, 8, &n), GS_EINVAL);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_EINVAL);
    assert_int_equal(gs_sched_cancel(s, 1, 0), GS_EINVAL);
    assert_int_equal(gs_sched_complete(s, 1, 0), GS_EINVAL);
    assert_int_equal(gs_sched_drain_node(s, 0), GS_EINVAL);
    assert_int_equal(gs_sched_resume_node(s, 0), GS_EINVAL);
    assert_int_equal(gs_sched_drain_gpu(s, 0), GS_EINVAL);
    assert_int_equal(gs_sched_fail_gpu(s, 0, 0, NULL), GS_EINVAL);
    assert_int_equal(gs_sched_repair_gpu(s, 0), GS_EINVAL);
    assert_int_equal(gs_sched_set_limit(s, GS_LIMIT_USER, "u", 1), GS_EINVAL);
    assert_int_equal(gs_sched_configure(s, "{}", 2, NULL), GS_EINVAL);
    assert_int_equal(gs_sched_update_usage(s, 0), GS_EINVAL);
    assert_int_equal(gs_sched_set_ordering(s, "fifo", NULL), GS_EINVAL);
    assert_int_equal(gs_sched_set_job_factor(s, 1, 1), GS_EINVAL);
    assert_int_equal(gs_sched_check(s), GS_EINVAL);
    assert_int_equal(gs_sched_job_reason_text(s, 1, buf, sizeof buf, NULL),
                     GS_EINVAL);
    assert_int_equal(gs_sched_node_free_gpus(s, 0), 0);
    assert_int_equal(gs_sched_node_free_cpus(s, 0), 0);
    assert_int_equal(gs_sched_free_gpus(s), 0);
    assert_int_equal(gs_sched_gpu_job(s, 0), 0);
    assert_int_equal(gs_sched_job_count(s), 0);
    /* the message still says why creation failed */
    assert_non_null(strstr(gs_sched_errmsg(s), why));
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(custom_ordering_ranks_and_hooks),
        cmocka_unit_test(compare_nan_and_infinity),
        cmocka_unit_test(outranks_decides_preemption),
        cmocka_unit_test(registry_rules),
        cmocka_unit_test(change_ordering),
        cmocka_unit_test(priorities_beyond_2_53),
        cmocka_unit_test(site_factor),
        cmocka_unit_test(fairshare_plugin),
        cmocka_unit_test(failed_handle_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
