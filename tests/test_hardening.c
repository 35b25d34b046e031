/*
 * Issue 10's reproducers for the scheduler, fair share and ordering: each
 * case below hung, crashed or silently changed a number before its fix.
 * Expected values are worked out by hand in the comments.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include "share_check.h"

#include <math.h>
#include <stdlib.h>

static bool under_valgrind(void)
{
    return getenv("GS_TEST_UNDER_VALGRIND") != NULL;
}

/* ---- text builders ------------------------------------------------------ */

/* An account chain a0 <- a1 <- ... <- a(n-1), listed parent-first or
 * child-first, with user "top" in a0 and user "bottom" in a(n-1). */
static char *chain_json(size_t n, bool child_first)
{
    test_text b = {0};
    test_printf(&b, "{\"accounts\": [\n");
    for (size_t k = 0; k < n; k++) {
        size_t i = child_first ? n - 1 - k : k;
        if (i == 0)
            test_printf(&b, "%s{\"name\": \"a0\"}\n", k ? "," : "");
        else
            test_printf(&b, "%s{\"name\": \"a%zu\", \"parent\": \"a%zu\"}\n",
                      k ? "," : "", i, i - 1);
    }
    test_printf(&b, "], \"users\": [{\"name\": \"top\", \"account\": \"a0\"},"
                  " {\"name\": \"bottom\", \"account\": \"a%zu\"}]}\n",
              n - 1);
    return b.s;
}

/* ---- fair share: numbers that never become NaN --------------------------- */

/* Issue 10 bug 2: two users at 1e308 made the usage sum infinite, the
 * level fairshare NaN, and the fair-tree grouping loop never advanced. */
static void huge_usage_is_refused_and_max_usage_ranks(void **state)
{
    (void)state;
    gs_share *sh = NULL;
    assert_int_equal(gs_share_create(&sh), GS_OK);
    const char *csv = "u1,a,1e308\nu2,a,1e308\n";
    assert_int_equal(gs_share_load_usage(sh, csv, strlen(csv), "big.csv"),
                     GS_EPARSE);
    assert_non_null(strstr(gs_share_errmsg(sh), "big.csv:1:6:"));
    assert_non_null(strstr(gs_share_errmsg(sh), "1e30"));
    assert_int_equal(gs_share_row_count(sh), 1); /* nothing added */
    csv = "u1,a,1e309\n"; /* too large for a double: not "not a number" */
    assert_int_equal(gs_share_load_usage(sh, csv, strlen(csv), "inf.csv"),
                     GS_EPARSE);
    assert_non_null(strstr(gs_share_errmsg(sh),
                           "inf.csv:1:6: usage 1e309 is above the largest "
                           "allowed, 1e30"));

    /* the largest usage allowed, for two users under one account and a
     * third with none: the sums stay finite. Fair tree by hand: under
     * root, account a has all the usage (LF = 0.5/1 = 0.5) and account b
     * none (LF inf), so b's user ranks first: factor 3/3; in a, u1 and u2
     * tie (equal shares and usage): both rank 2, factor 2/3. */
    csv = "u1,a,1e30\nu2,a,1e30\nu3,b,0\n";
    assert_int_equal(gs_share_load_usage(sh, csv, strlen(csv), "max.csv"),
                     GS_OK);
    assert_int_equal(gs_share_compute(sh, GS_FAIRSHARE_FAIR_TREE, 0), GS_OK);
    assert_true(fabs(gs_share_factor(sh, "u3", "b") - 1.0) < 1e-12);
    assert_true(fabs(gs_share_factor(sh, "u1", "a") - 2.0 / 3) < 1e-12);
    assert_true(fabs(gs_share_factor(sh, "u2", "a") - 2.0 / 3) < 1e-12);
    /* classic: a's effective usage is 1 (all of it), S = 0.5: 2^-2 */
    assert_int_equal(gs_share_compute(sh, GS_FAIRSHARE_CLASSIC, 0), GS_OK);
    for (size_t i = 0; i < gs_share_row_count(sh); i++) {
        gs_share_row r = {sizeof r, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assert_int_equal(gs_share_row_get(sh, i, &r), GS_OK);
        assert_false(isnan(r.factor));
        assert_false(isnan(r.effective_usage));
    }
    assert_true(fabs(gs_share_factor(sh, "u3", "b") - 1.0) < 1e-12);

    /* charging saturates at the maximum instead of growing to infinity */
    assert_int_equal(gs_share_add_usage(sh, "u1", "a", GS_USAGE_MAX, 0),
                     GS_OK);
    assert_true(gs_share_usage(sh, "u1", "a", 0) == GS_USAGE_MAX);

    /* every entry point refuses what is not a number in range, and keeps
     * what it had */
    assert_int_equal(gs_share_set_usage(sh, "u1", "a", INFINITY, 0),
                     GS_ERANGE);
    assert_int_equal(gs_share_set_usage(sh, "u1", "a", NAN, 0), GS_EINVAL);
    assert_int_equal(gs_share_set_usage(sh, "u1", "a", 2e30, 0), GS_ERANGE);
    assert_int_equal(gs_share_add_usage(sh, "u1", "a", INFINITY, 0),
                     GS_ERANGE);
    assert_int_equal(gs_share_set_usage(sh, "u1", "a", 1, NAN), GS_EINVAL);
    assert_int_equal(gs_share_set_usage(sh, "u1", "a", 1, 1e300), GS_ERANGE);
    assert_int_equal(gs_share_compute(sh, GS_FAIRSHARE_FAIR_TREE, INFINITY),
                     GS_ERANGE);
    assert_int_equal(gs_share_set_half_life(sh, INFINITY), GS_ERANGE);
    assert_int_equal(gs_share_set_half_life(sh, NAN), GS_EINVAL);
    assert_int_equal(gs_share_add_account(sh, "c", NULL, INFINITY), GS_ERANGE);
    assert_int_equal(gs_share_add_user(sh, "u9", "a", NAN), GS_EINVAL);
    assert_true(gs_share_usage(sh, "u1", "a", NAN) < 0);
    assert_true(gs_share_usage(sh, "u1", "a", 0) == GS_USAGE_MAX);
    gs_share_destroy(sh);
}

/* Issue 10 bug 2 through the scheduler: a usage weight of 1e308 in a
 * configuration, or INFINITY through the API, hung the next step. */
static void scheduler_weights_are_bounded(void **state)
{
    (void)state;
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load(&t, "dgx-h100", NULL), GS_OK);
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    assert_int_equal(gs_sched_set_usage_weights(s, INFINITY, 0, 0), GS_ERANGE);
    assert_int_equal(gs_sched_set_usage_weights(s, 1e308, 0, 0), GS_ERANGE);
    assert_int_equal(gs_sched_set_usage_weights(s, NAN, 0, 0), GS_EINVAL);
    assert_int_equal(gs_sched_set_model_weight(s, "H100", INFINITY),
                     GS_ERANGE);
    gs_priority_weights w;
    gs_priority_weights_init(&w);
    w.age = INFINITY; /* inf * a zero age factor was NaN */
    assert_int_equal(gs_sched_set_priority_weights(s, &w), GS_ERANGE);
    gs_priority_weights_init(&w);
    w.max_age = INT64_MAX;
    assert_int_equal(gs_sched_set_priority_weights(s, &w), GS_ERANGE);

    static const struct {
        const char *json, *where;
    } bad[] = {
        {"{\"usage_weights\": {\"gpu\": 1e308}}", "c.json:1:27:"},
        {"{\"usage_weights\": {\"models\": {\"H100\": 1e16}}}", "c.json:1:39:"},
        {"{\"priority_weights\": {\"age\": 1e300}}", "c.json:1:30:"},
        {"{\"priority_weights\": {\"max_age\": 1e30}}", "c.json:1:34:"},
        {"{\"priority_weights\": {\"calc_period\": 1.5}}", "c.json:1:38:"},
        {"{\"half_life\": 1e300}", "c.json:1:15:"},
        /* a limit of 4294967297 used to become 1 */
        {"{\"limits\": {\"default_user\": 4294967297}}", "c.json:1:29:"},
        {"{\"limits\": {\"users\": {\"u\": 1e30}}}", "c.json:1:28:"},
        {"{\"limits\": {\"users\": {\"u\": 2.5}}}", "c.json:1:28:"},
        {"{\"limits\": {\"users\": {\"a\\u0000b\": 2}}}", "c.json:1:23:"},
        {"{\"backfill\": {\"depth\": 1e30}}", "c.json:1:24:"},
        {"{\"backfill\": {\"horizon\": 1e30}}", "c.json:1:26:"},
        {"{\"backfill\": {\"interval\": -1}}", "c.json:1:27:"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gs_status st = gs_sched_configure(s, bad[i].json, strlen(bad[i].json),
                                          "c.json");
        if (st != GS_EPARSE || !strstr(gs_sched_errmsg(s), bad[i].where))
            fail_msg("%s: got %s \"%s\", want %s", bad[i].json,
                     gs_status_name(st), gs_sched_errmsg(s), bad[i].where);
    }
    /* ranges of whole numbers are written out exactly */
    const char *lim = "{\"limits\": {\"default_user\": 4294967297}}";
    assert_int_equal(gs_sched_configure(s, lim, strlen(lim), "c.json"),
                     GS_EPARSE);
    assert_non_null(strstr(gs_sched_errmsg(s), "must be a whole number from 0 "
                                               "to 4294967295"));
    /* the largest values allowed work, and the step ends */
    const char *ok = "{\"usage_weights\": {\"gpu\": 1e15}, \"priority_weights\":"
                     " {\"age\": 1e15, \"fairshare\": 1e15}, \"limits\": "
                     "{\"default_user\": 4294967295}}";
    assert_int_equal(gs_sched_configure(s, ok, strlen(ok), "ok.json"), GS_OK);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 8;
    spec.user = "u";
    uint64_t a, b;
    assert_int_equal(gs_sched_submit(s, &spec, &a), GS_OK);
    assert_int_equal(gs_sched_submit(s, &spec, &b), GS_OK);
    size_t started = 9;
    assert_int_equal(gs_sched_step(s, 0, &started), GS_OK);
    assert_int_equal(started, 1);
    assert_int_equal(gs_sched_complete(s, a, 1000000000), GS_OK);
    assert_int_equal(gs_sched_step(s, 1000000000, &started), GS_OK);
    assert_int_equal(started, 1);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_priority_breakdown br = GS_PRIORITY_BREAKDOWN_INIT;
    assert_int_equal(gs_sched_job_priority(s, b, &br), GS_OK);
    assert_false(isnan(br.total));
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* ---- account trees of any depth and order -------------------------------- */

/* Issue 10 items 4 and 7: a chain of ~74k accounts overflowed the stack
 * in the fair-tree recursion, and accounts listed child-first took a pass
 * per account. Fair tree by hand: "top" (in a0) has all the usage, so in
 * a0 its level fairshare is 0.5/1 against a1's infinity: everything below
 * a1, that is "bottom", ranks first (2/2 = 1.0), then "top" (1/2). */
static void deep_chains_in_any_order(void **state)
{
    (void)state;
    size_t n = under_valgrind() ? 20000 : 100000;
    for (int child_first = 0; child_first < 2; child_first++) {
        char *json = chain_json(n, child_first);
        gs_share *sh = NULL;
        assert_int_equal(gs_share_create(&sh), GS_OK);
        if (gs_share_load_accounts(sh, json, strlen(json), "chain.json") !=
            GS_OK)
            fail_msg("%s", gs_share_errmsg(sh));
        free(json);
        assert_int_equal(gs_share_row_count(sh), n + 3);
        assert_int_equal(gs_share_set_usage(sh, "top", "a0", 100, 0), GS_OK);
        for (int algo = 0; algo < 2; algo++) {
            assert_int_equal(gs_share_compute(sh, (gs_fairshare_algo)algo, 0),
                             GS_OK);
            double fb = gs_share_factor(sh, "bottom", "a" /* wrong */);
            assert_true(fb < 0);
            char last[32];
            snprintf(last, sizeof last, "a%zu", n - 1);
            fb = gs_share_factor(sh, "bottom", last);
            double ft = gs_share_factor(sh, "top", "a0");
            if (algo == GS_FAIRSHARE_FAIR_TREE) {
                assert_true(fabs(fb - 1.0) < 1e-12);
                assert_true(fabs(ft - 0.5) < 1e-12);
            } else {
                /* classic: a0 has all the usage (UE 1); top takes S = 0.5
                 * and UE = 1 + (1 - 1) * 0.5 = 1: 2^-2. a1 has none: UE =
                 * 0 + (1 - 0) * 0.5 = 0.5 with S = 0.5, and every only
                 * child below keeps S and UE (UE = 0 + (0.5 - 0) * 1):
                 * bottom gets 2^-1 */
                assert_true(fabs(fb - 0.5) < 1e-12);
                assert_true(fabs(ft - 0.25) < 1e-12);
            }
        }
        /* rows: root, a0, then a0's user before its sub-account, and so
         * on down: row 2 is "top", row k+2 is a(k) at depth k+1 */
        gs_share_row r = {sizeof r, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assert_int_equal(gs_share_row_get(sh, 2, &r), GS_OK);
        assert_string_equal(r.user, "top");
        assert_int_equal(gs_share_row_get(sh, n + 1, &r), GS_OK);
        assert_int_equal(r.depth, n);
        assert_int_equal(gs_share_row_get(sh, n + 2, &r), GS_OK);
        assert_string_equal(r.user, "bottom");
        assert_int_equal(r.depth, n + 1);
        assert_true(fabs(gs_share_usage(sh, NULL, "root", 0) - 100) < 1e-9);
        gs_share_destroy(sh);
    }
}

/* Many siblings: reading every row sorted them again per row (O(n^2)
 * strcmp at 1,000 accounts took seconds). Rows come in name order. */
static void many_siblings_in_name_order(void **state)
{
    (void)state;
    size_t n = under_valgrind() ? 3000 : 20000;
    test_text b = {0};
    test_printf(&b, "{\"accounts\": [");
    for (size_t i = 0; i < n; i++) /* listed in reverse name order */
        test_printf(&b, "%s{\"name\": \"acct%06zu\"}", i ? "," : "", n - 1 - i);
    test_printf(&b, "]}");
    gs_share *sh = NULL;
    assert_int_equal(gs_share_create(&sh), GS_OK);
    assert_int_equal(gs_share_load_accounts(sh, b.s, b.len, "s.json"), GS_OK);
    free(b.s);
    assert_int_equal(gs_share_compute(sh, GS_FAIRSHARE_FAIR_TREE, 0), GS_OK);
    for (size_t i = 1; i <= n; i++) {
        gs_share_row r = {sizeof r, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assert_int_equal(gs_share_row_get(sh, i, &r), GS_OK);
        char want[32];
        snprintf(want, sizeof want, "acct%06zu", i - 1);
        assert_string_equal(r.account, want);
    }
    gs_share_destroy(sh);
}

/* A bad accounts file adds nothing, whatever entry is bad, and says where. */
static void bad_accounts_change_nothing(void **state)
{
    (void)state;
    static const struct {
        const char *json, *where, *what;
    } bad[] = {
        {"{\"accounts\": [{\"name\": \"a\"}, {\"name\": \"b\"}, "
         "{\"name\": \"a\"}]}",
         "x.json:1:54:", "listed twice (first at line 1)"},
        {"{\"accounts\": [{\"name\": \"b\"}, {\"name\": \"old\"}]}",
         "x.json:1:39:", "already exists"},
        {"{\"accounts\": [{\"name\": \"p\", \"parent\": \"q\"}, "
         "{\"name\": \"q\", \"parent\": \"p\"}]}",
         ":1:", "cycle"},
        {"{\"accounts\": [{\"name\": \"p\", \"parent\": \"nope\"}]}",
         "x.json:1:39:", "parent account \"nope\" does not exist"},
        {"{\"accounts\": [{\"name\": \"p\\u0000q\"}]}", "x.json:1:24:",
         "NUL"},
        {"{\"accounts\": [{\"name\": \"p\\u001bq\"}]}", "x.json:1:24:",
         "p\\x1bq"},
        {"{\"accounts\": [{\"name\": \"p\", \"shares\": 1e300}]}",
         "x.json:1:39:", "1e15"},
        {"{\"accounts\": [{\"name\": \"p\"}], \"users\": [{\"name\": \"u\","
         " \"account\": \"p\"}, {\"name\": \"u\", \"account\": \"p\"}]}",
         "x.json:1:", "already charges"},
        {"{\"users\": [{\"name\": \"u\", \"account\": \"zz\"}]}",
         "x.json:1:", "no account \"zz\""},
    };
    gs_share *sh = NULL;
    assert_int_equal(gs_share_create(&sh), GS_OK);
    assert_int_equal(gs_share_add_account(sh, "old", NULL, 1), GS_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gs_status st =
            gs_share_load_accounts(sh, bad[i].json, strlen(bad[i].json),
                                   "x.json");
        const char *m = gs_share_errmsg(sh);
        if (st != GS_EPARSE || !strstr(m, bad[i].where) ||
            !strstr(m, bad[i].what))
            fail_msg("%s: got %s \"%s\"", bad[i].json, gs_status_name(st), m);
        for (const char *c = m; *c; c++) /* printable, never garbled */
            assert_true(*c >= 0x20 && *c < 0x7f);
        assert_int_equal(gs_share_row_count(sh), 2);
    }
    gs_share_destroy(sh);
}

/* Usage CSV: a NUL byte used to cut a name short without a word; a name
 * with a control byte garbled the message. */
static void usage_csv_bytes(void **state)
{
    (void)state;
    gs_share *sh = NULL;
    assert_int_equal(gs_share_create(&sh), GS_OK);
    const char csv[] = "ali\0ce,a,5\n";
    assert_int_equal(gs_share_load_usage(sh, csv, sizeof csv - 1, "n.csv"),
                     GS_EPARSE);
    assert_non_null(strstr(gs_share_errmsg(sh), "n.csv:1:4: a NUL byte in "
                                                "the user name"));
    const char esc[] = "bo\033b,a,5\n";
    assert_int_equal(gs_share_load_usage(sh, esc, sizeof esc - 1, "e.csv"),
                     GS_EPARSE);
    assert_non_null(strstr(gs_share_errmsg(sh), "\"bo\\x1bb\""));
    assert_null(strchr(gs_share_errmsg(sh), '\033'));
    assert_int_equal(gs_share_row_count(sh), 1);
    gs_share_destroy(sh);
}

/* Every allocation of a load failing in turn: each failure leaves the
 * tree as it was (counted rows, and usage), and leaks nothing. */
typedef struct load_ctx {
    bool usage;
    size_t rows; /* after the load */
} load_ctx;

static gs_status load_op(void *p)
{
    load_ctx *c = p;
    gs_share *sh = NULL;
    gs_status st = gs_share_create(&sh);
    if (st != GS_OK)
        return st;
    if ((st = gs_share_add_account(sh, "base", NULL, 1)) != GS_OK) {
        gs_share_destroy(sh);
        return st;
    }
    static const char acc[] =
        "{\"accounts\": [{\"name\": \"c\", \"parent\": \"b\"}, {\"name\": "
        "\"b\", \"parent\": \"base\"}, {\"name\": \"d\"}], \"users\": "
        "[{\"name\": \"u\", \"account\": \"c\"}, {\"name\": \"v\", "
        "\"account\": \"base\"}]}";
    static const char use[] = "u,c,1\nw,new,2\nx,new2,3\n,base,4\n";
    size_t before = gs_share_row_count(sh);
    st = c->usage ? gs_share_load_usage(sh, use, sizeof use - 1, "u.csv")
                  : gs_share_load_accounts(sh, acc, sizeof acc - 1, "a.json");
    c->rows = gs_share_row_count(sh);
    if (st != GS_OK && c->rows != before)
        fail_msg("a failed load (%s) changed the tree: %zu rows, was %zu",
                 gs_status_name(st), c->rows, before);
    if (st == GS_OK)
        st = gs_share_compute(sh, GS_FAIRSHARE_FAIR_TREE, 0);
    gs_share_destroy(sh);
    return st;
}

static void loads_survive_every_allocation_failure(void **state)
{
    (void)state;
    for (int u = 0; u < 2; u++) {
        load_ctx c = {u == 1, 0};
        assert_true(test_each_allocation_fails(load_op, &c) > 0);
        /* the last run succeeded: root and base, then the accounts file
         * adds b, c, d, u in c and v in base (7 rows); the usage file adds
         * c, u in c, new, w in new, new2, x in new2 (8 rows; base's own
         * usage adds nothing) */
        assert_int_equal(c.rows, u ? 8 : 7);
    }
}

/* ---- the scheduler's times ----------------------------------------------- */

/* Extreme times overflowed signed arithmetic (UBSan): they are refused
 * where they enter, and the extremes allowed work. */
static void times_in_range(void **state)
{
    (void)state;
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load(&t, "dgx-h100", NULL), GS_OK);
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.backfill = GS_BACKFILL_CONSERVATIVE;
    cfg.backfill_horizon = INT64_MAX;
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, &cfg), GS_ERANGE);
    gs_sched_destroy(s);
    cfg.backfill_horizon = GS_TIME_MAX;
    cfg.backfill_depth = 2000000;
    assert_int_equal(gs_sched_create(&s, t, &cfg), GS_ERANGE);
    gs_sched_destroy(s);
    cfg.backfill_depth = 0;
    assert_int_equal(gs_sched_create(&s, t, &cfg), GS_OK);

    assert_int_equal(gs_sched_step(s, INT64_MAX, NULL), GS_ERANGE);
    assert_non_null(strstr(gs_sched_errmsg(s), "now"));
    assert_int_equal(gs_sched_step(s, INT64_MIN, NULL), GS_ERANGE);
    assert_int_equal(gs_sched_update_usage(s, INT64_MIN), GS_ERANGE);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 4;
    spec.submit_time = INT64_MIN;
    assert_int_equal(gs_sched_submit(s, &spec, NULL), GS_ERANGE);
    assert_non_null(strstr(gs_sched_errmsg(s), "submit_time"));
    spec.submit_time = -GS_TIME_MAX;
    spec.time_limit = INT64_MAX;
    assert_int_equal(gs_sched_submit(s, &spec, NULL), GS_ERANGE);
    assert_int_equal(gs_sched_job_count(s), 0);

    /* the extremes: submitted at -2^60 with the longest limit, run from
     * -2^60 to 2^60; a second job waits behind the first and gets a
     * reservation at its end (2^60 - 2^60 + ... = 0), a third backfills */
    spec.time_limit = GS_TIME_MAX;
    uint64_t a, b, c;
    assert_int_equal(gs_sched_submit(s, &spec, &a), GS_OK);
    spec.gpus = 8;
    assert_int_equal(gs_sched_submit(s, &spec, &b), GS_OK);
    spec.gpus = 2;
    spec.time_limit = 10;
    assert_int_equal(gs_sched_submit(s, &spec, &c), GS_OK);
    size_t started = 0;
    assert_int_equal(gs_sched_step(s, -GS_TIME_MAX, &started), GS_OK);
    /* a starts (4 GPUs); b needs 8 and waits for a's end at -2^60 + 2^60
     * = 0; c (2 GPUs, 10 s) ends long before: it backfills */
    assert_int_equal(started, 2);
    assert_int_equal(gs_sched_gpu_job(s, 0), a);
    assert_int_equal(gs_sched_check(s), GS_OK);
    assert_int_equal(gs_sched_complete(s, a, GS_TIME_MAX), GS_OK);
    assert_int_equal(gs_sched_complete(s, c, GS_TIME_MAX), GS_OK);
    assert_int_equal(gs_sched_step(s, GS_TIME_MAX, &started), GS_OK);
    assert_int_equal(started, 1);
    assert_int_equal(gs_sched_update_usage(s, GS_TIME_MAX), GS_OK);
    uint64_t failed = 0;
    assert_int_equal(gs_sched_fail_gpu(s, 0, INT64_MAX, &failed), GS_ERANGE);
    assert_int_equal(gs_sched_gpu_job(s, 0), b); /* changed nothing */
    assert_int_equal(gs_sched_fail_gpu(s, 0, GS_TIME_MAX, &failed), GS_OK);
    assert_int_equal(failed, b);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_share *sh = gs_sched_share(s);
    assert_int_equal(gs_share_compute(sh, GS_FAIRSHARE_FAIR_TREE,
                                      (double)GS_TIME_MAX),
                     GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Issue 10 item 6: n_require_gpus + n_require_uuids wrapped to a small
 * number; one slot was allocated and more were written. */
static void required_counts_do_not_wrap(void **state)
{
    (void)state;
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load(&t, "dgx-h100", NULL), GS_OK);
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    uint32_t ids[3] = {0, 1, 2};
    const char *uuids[2] = {"GPU-x", "GPU-y"};
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 3;
    spec.require_gpus = ids;
    spec.n_require_gpus = SIZE_MAX; /* + 2 wraps to 1 */
    spec.require_uuids = uuids;
    spec.n_require_uuids = 2;
    assert_int_equal(gs_sched_submit(s, &spec, NULL), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "required"));
    spec.n_require_gpus = 2;
    spec.n_require_uuids = SIZE_MAX - 1;
    assert_int_equal(gs_sched_submit(s, &spec, NULL), GS_EINVAL);
    uint32_t out[8];
    size_t n = 0;
    assert_int_equal(gs_sched_preview(s, &spec, out, 8, &n), GS_EINVAL);
    spec.n_require_gpus = 3;
    spec.n_require_uuids = 0;
    assert_int_equal(gs_sched_preview(s, &spec, out, 8, &n), GS_OK);
    assert_int_equal(n, 3);
    assert_int_equal(gs_sched_job_count(s), 0);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* A huge cpus_per_gpu on nodes that do not account CPUs sized a buffer of
 * gpus * cpus_per_gpu ids; such nodes give no CPUs, so the job runs and
 * holds none. A limit for a name that is not a valid name is refused. */
static void huge_per_gpu_requests(void **state)
{
    (void)state;
    static const char json[] =
        "{\"nodes\": [{\"name\": \"n1\", \"gpus\": {\"count\": 4, "
        "\"model\": \"X\"}}]}";
    gs_topo *t = test_topo_json(json);
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 4;
    spec.cpus_per_gpu = UINT32_MAX;
    spec.mem_per_gpu = UINT64_MAX;
    uint64_t id = 0;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    size_t started = 0;
    assert_int_equal(gs_sched_step(s, 0, &started), GS_OK);
    assert_int_equal(started, 1);
    gs_alloc_node an = {sizeof an, 0, 0, 0, 0};
    assert_int_equal(gs_sched_alloc_node(s, id, 0, &an), GS_OK);
    assert_int_equal(an.cpus, 0);
    assert_int_equal(an.memory, 0);
    assert_int_equal(gs_sched_check(s), GS_OK);
    assert_int_equal(gs_sched_set_limit(s, GS_LIMIT_USER, "a b", 3),
                     GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "\"a b\""));
    assert_int_equal(gs_sched_set_limit(s, GS_LIMIT_USER, "ab", 3), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* The saved inputs of the fair-share readers (extreme numbers, NUL and
 * control bytes, cycles, deep chains) keep the fuzz targets' invariants. */
/* A switch chain with a node at the bottom, levels deep. */
static gs_topo *switch_chain(int levels)
{
    test_text b = {0};
    test_printf(&b, "{\"nodes\": [{\"name\": \"n1\", \"template\": "
                    "\"dgx-h100\"}], \"switches\": [");
    for (int i = 0; i < levels; i++)
        test_printf(&b, "%s{\"name\": \"s%d\", \"%s\": \"%s%d\"}",
                    i ? ", " : "", i, i + 1 < levels ? "switches" : "nodes",
                    i + 1 < levels ? "s" : "n", i + 1 < levels ? i + 1 : 1);
    test_printf(&b, "]}");
    gs_topo *t = test_topo_json(b.s);
    free(b.s);
    return t;
}

static int counted_inits, counted_destroys, counted_state;

static gs_status counted_init(void **state, const gs_topo *topo,
                              const char *options)
{
    (void)topo;
    (void)options;
    counted_inits++;
    *state = &counted_state;
    return GS_OK;
}

static void counted_destroy(void *state)
{
    assert_ptr_equal(state, &counted_state);
    counted_destroys++;
}

static gs_status counted_place(void *state, gs_place_ctx *ctx,
                               const gs_place_request *req, uint32_t *gpus)
{
    (void)state;
    (void)ctx;
    (void)req;
    (void)gpus;
    return GS_ENORES;
}

static const gs_placement_ops counted_policy = {
    .abi_version = GS_PLACEMENT_ABI_VERSION,
    .name = "test-counted",
    .init = counted_init,
    .destroy = counted_destroy,
    .place = counted_place,
};

/* Every change of a node updates a histogram per switch above it, so a
 * switch chain tens of thousands deep made each decision slow (27 s to
 * create a scheduler on an 80k chain): the scheduler takes trees of up
 * to 64 levels, and says so beyond. */
static void deep_switch_trees(void **state)
{
    (void)state;
    gs_topo *t = switch_chain(64);
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 8;
    assert_int_equal(gs_sched_submit(s, &spec, NULL), GS_OK);
    size_t started = 0;
    assert_int_equal(gs_sched_step(s, 0, &started), GS_OK);
    assert_int_equal(started, 1);
    assert_int_equal(gs_sched_check(s), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
    t = switch_chain(65);
    s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_EUNSUPPORTED);
    assert_non_null(strstr(gs_sched_errmsg(s), "\"s64\" is 65 levels deep"));
    gs_sched_destroy(s);
    /* a host's placement policy whose init never ran is not destroyed
     * (its destroy got a NULL state) */
    assert_int_equal(gs_placement_register(&counted_policy), GS_OK);
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.placement = "test-counted";
    s = NULL;
    assert_int_equal(gs_sched_create(&s, t, &cfg), GS_EUNSUPPORTED);
    gs_sched_destroy(s);
    assert_int_equal(counted_inits, 0);
    assert_int_equal(counted_destroys, 0);
    assert_int_equal(gs_placement_unregister("test-counted"), GS_OK);
    gs_topo_destroy(t);
}

static void check_usage_file(const char *path, void *user)
{
    size_t len = 0;
    char *data = test_read_file(path, &len);
    assert_non_null(data);
    gs_share_check_one((const uint8_t *)data, len, *(const bool *)user);
    free(data);
}

static void share_fuzz_regressions(void **state)
{
    (void)state;
    int count = 0;
    for (int k = 0; k < 2; k++) {
        bool usage = k == 1;
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/fuzz-regressions/%s", GS_TEST_DATA_DIR,
                 usage ? "usage" : "accounts");
        int n = test_for_each_file(dir, check_usage_file, &usage);
        assert_true(n > 0);
        count += n;
    }
    assert_true(count >= 9);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(huge_usage_is_refused_and_max_usage_ranks),
        cmocka_unit_test(scheduler_weights_are_bounded),
        cmocka_unit_test(deep_chains_in_any_order),
        cmocka_unit_test(many_siblings_in_name_order),
        cmocka_unit_test(bad_accounts_change_nothing),
        cmocka_unit_test(usage_csv_bytes),
        cmocka_unit_test(loads_survive_every_allocation_failure),
        cmocka_unit_test(times_in_range),
        cmocka_unit_test(required_counts_do_not_wrap),
        cmocka_unit_test(huge_per_gpu_requests),
        cmocka_unit_test(share_fuzz_regressions),
        cmocka_unit_test(deep_switch_trees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
