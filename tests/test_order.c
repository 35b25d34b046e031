/*
 * Who goes first: fair share (classic and fair tree), usage accrual and
 * decay, multifactor priorities, limits, dependencies, backfill (easy and
 * conservative) and preemption. Every expected start time and factor below
 * is worked out by hand in the comment next to it.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"
#include "membuf.h"

#include <math.h>
#include <stdlib.h>

/* ---- helpers ------------------------------------------------------------ */

static gs_topo *topo8(void)
{
    /* one node, 8 H100 on NVSwitch: every GPU set of a size is equal, so
     * placement never decides a scenario here */
    gs_topo *t = NULL;
    if (gs_topo_load(&t, "dgx-h100", NULL) != GS_OK)
        fail_msg("dgx-h100: %s", gs_topo_errmsg(t));
    return t;
}

static const char *placement; /* NULL: the default */

static gs_sched *mk(const gs_topo *t, gs_ordering o, gs_backfill bf,
                    gs_preempt_mode pm)
{
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.placement = placement;
    cfg.ordering = o;
    cfg.backfill = bf;
    cfg.preempt = pm;
    gs_sched *s = NULL;
    if (gs_sched_create(&s, t, &cfg) != GS_OK)
        fail_msg("create: %s", gs_sched_errmsg(s));
    return s;
}

typedef struct jspec {
    uint32_t gpus;
    int64_t limit, prio, submit;
    const char *user, *account;
    int preemptible;
    uint64_t depends_on;
    int64_t nice;
} jspec;

static uint64_t sub(gs_sched *s, jspec js)
{
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = js.gpus;
    spec.time_limit = js.limit;
    spec.priority = js.prio;
    spec.submit_time = js.submit;
    spec.user = js.user;
    spec.account = js.account;
    spec.preemptible = js.preemptible;
    spec.depends_on = js.depends_on;
    spec.nice = js.nice;
    uint64_t id = 0;
    if (gs_sched_submit(s, &spec, &id) != GS_OK)
        fail_msg("submit: %s", gs_sched_errmsg(s));
    return id;
}

static gs_job_info inf(gs_sched *s, uint64_t id)
{
    gs_job_info i;
    memset(&i, 0, sizeof i);
    i.struct_size = sizeof i;
    assert_int_equal(gs_sched_job_info(s, id, &i), GS_OK);
    return i;
}

static void step(gs_sched *s, int64_t now)
{
    assert_int_equal(gs_sched_step(s, now, NULL), GS_OK);
    assert_int_equal(gs_sched_check(s), GS_OK);
}

static void expect_start(gs_sched *s, uint64_t id, int64_t t)
{
    gs_job_info i = inf(s, id);
    if (i.start_time != t)
        fail_msg("job %llu: start %lld, want %lld (state %s, reason %s)",
                 (unsigned long long)id, (long long)i.start_time, (long long)t,
                 gs_job_state_name(i.state), gs_pending_reason_name(i.reason));
}

static void expect_pending(gs_sched *s, uint64_t id, gs_pending_reason r)
{
    gs_job_info i = inf(s, id);
    if (i.state != GS_JOB_PENDING || i.reason != r)
        fail_msg("job %llu: %s/%s, want pending/%s", (unsigned long long)id,
                 gs_job_state_name(i.state), gs_pending_reason_name(i.reason),
                 gs_pending_reason_name(r));
}

static void reason_has(gs_sched *s, uint64_t id, const char *needle)
{
    char buf[512];
    assert_int_equal(gs_sched_job_reason_text(s, id, buf, sizeof buf, NULL),
                     GS_OK);
    if (!strstr(buf, needle))
        fail_msg("job %llu: reason \"%s\" lacks \"%s\"",
                 (unsigned long long)id, buf, needle);
}

static void reason_is(gs_sched *s, uint64_t id, const char *want)
{
    char buf[512];
    assert_int_equal(gs_sched_job_reason_text(s, id, buf, sizeof buf, NULL),
                     GS_OK);
    if (strcmp(buf, want) != 0)
        fail_msg("job %llu: reason \"%s\", want \"%s\"",
                 (unsigned long long)id, buf, want);
}

static void configure(gs_sched *s, const char *json)
{
    if (gs_sched_configure(s, json, strlen(json), "cfg.json") != GS_OK)
        fail_msg("configure: %s", gs_sched_errmsg(s));
}

/* Weights that leave only fair share (and submit order) to decide. */
static void fairshare_only(gs_sched *s)
{
    gs_priority_weights w;
    gs_priority_weights_init(&w);
    w.age = 0;
    w.priority = 0;
    w.job_size = 0;
    w.fairshare = 10000;
    w.calc_period = 0;
    assert_int_equal(gs_sched_set_priority_weights(s, &w), GS_OK);
}

/* ---- fair share on Slurm's documented example --------------------------- */

static gs_share *slurm_example(void)
{
    gs_share *sh = NULL;
    assert_int_equal(gs_share_create(&sh), GS_OK);
    size_t n;
    char *acc = test_read_file(test_data("sched/slurm-classic-accounts.json"),
                               &n);
    assert_non_null(acc);
    assert_int_equal(gs_share_load_accounts(sh, acc, n, "accounts.json"),
                     GS_OK);
    free(acc);
    char *use = test_read_file(test_data("sched/slurm-classic-usage.csv"), &n);
    assert_non_null(use);
    assert_int_equal(gs_share_load_usage(sh, use, n, "usage.csv"), GS_OK);
    free(use);
    assert_int_equal(gs_share_set_half_life(sh, 0), GS_OK);
    return sh;
}

static void classic_matches_slurm_example(void **state)
{
    (void)state;
    gs_share *sh = slurm_example();
    assert_int_equal(gs_share_compute(sh, GS_FAIRSHARE_CLASSIC, 0), GS_OK);
    /* Slurm's classic_fair_share page: 0.408, 0.022, 0.125, 0.5, 0.749.
     * By hand: user1 S = .4*.75 = .3, UE(A) = UA(A) = .45,
     * UE(B) = .2 + (.45-.2)*.75 = .3875 -> 2^(-.3875/.3) = 0.408479;
     * user2 S = .4*.25*.5 = .05, UE(C) = .25 + .2*.25 = .3,
     * UE(user2) = .25 + .05*.5 = .275 -> 2^(-5.5) = 0.022097;
     * user3 UE = 0 + .3*.5 = .15 -> 2^(-3) = .125; user4 S = .25,
     * UE(D) = .25, UE(E) = .25 + 0 -> 2^(-1) = .5; user5 S = .35,
     * UE(F) = 0 + .25*35/60 -> 2^(-.145833/.35) = 0.749154. */
    const struct {
        const char *u, *a;
        double f;
    } want[] = {{"user1", "B", 0.408479}, {"user2", "C", 0.022097},
                {"user3", "C", 0.125},    {"user4", "E", 0.5},
                {"user5", "F", 0.749154}};
    for (size_t i = 0; i < 5; i++) {
        double f = gs_share_factor(sh, want[i].u, want[i].a);
        if (fabs(f - want[i].f) > 1e-6)
            fail_msg("%s: %f, want %f", want[i].u, f, want[i].f);
    }
    /* sshare-like rows: root first, then depth first in name order */
    assert_int_equal(gs_share_row_count(sh), 12);
    gs_share_row r;
    memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    assert_int_equal(gs_share_row_get(sh, 2, &r), GS_OK);
    assert_string_equal(r.account, "B");
    assert_null(r.user);
    assert_true(fabs(r.norm_shares - 0.3) < 1e-12);
    assert_true(fabs(r.effective_usage - 0.3875) < 1e-12);
    assert_int_equal(gs_share_row_get(sh, 12, &r), GS_EINVAL);
    gs_share_destroy(sh);
}

static void fair_tree_ranks_slurm_example(void **state)
{
    (void)state;
    gs_share *sh = slurm_example();
    assert_int_equal(gs_share_compute(sh, GS_FAIRSHARE_FAIR_TREE, 0), GS_OK);
    /* Level FS = S/U among siblings: A .4/.642857 = .622, D .6/.357 = 1.68
     * so D first; in D: F (no usage, inf) then E; in A: B .75/.444 = 1.69
     * before C .25/.556 = .45; in C user3 (no usage) before user2. Ranks
     * 5..1 in that visiting order, factor = rank / 5. */
    assert_true(fabs(gs_share_factor(sh, "user5", "F") - 1.0) < 1e-12);
    assert_true(fabs(gs_share_factor(sh, "user4", "E") - 0.8) < 1e-12);
    assert_true(fabs(gs_share_factor(sh, "user1", "B") - 0.6) < 1e-12);
    assert_true(fabs(gs_share_factor(sh, "user3", "C") - 0.4) < 1e-12);
    assert_true(fabs(gs_share_factor(sh, "user2", "C") - 0.2) < 1e-12);
    assert_true(gs_share_factor(sh, "nobody", "C") < 0);
    gs_share_destroy(sh);
}

static void fair_tree_ties(void **state)
{
    (void)state;
    /* Two accounts with equal shares and usage tie: their users are
     * ranked together (merged), so equal users share a rank. */
    gs_share *sh = NULL;
    assert_int_equal(gs_share_create(&sh), GS_OK);
    assert_int_equal(gs_share_set_half_life(sh, 0), GS_OK);
    assert_int_equal(gs_share_add_account(sh, "X", NULL, 1), GS_OK);
    assert_int_equal(gs_share_add_account(sh, "Y", NULL, 1), GS_OK);
    assert_int_equal(gs_share_add_user(sh, "a", "X", 1), GS_OK);
    assert_int_equal(gs_share_add_user(sh, "b", "X", 1), GS_OK);
    assert_int_equal(gs_share_add_user(sh, "c", "Y", 1), GS_OK);
    assert_int_equal(gs_share_add_user(sh, "d", "Y", 1), GS_OK);
    assert_int_equal(gs_share_set_usage(sh, "a", "X", 10, 0), GS_OK);
    assert_int_equal(gs_share_set_usage(sh, "b", "X", 30, 0), GS_OK);
    assert_int_equal(gs_share_set_usage(sh, "c", "Y", 10, 0), GS_OK);
    assert_int_equal(gs_share_set_usage(sh, "d", "Y", 30, 0), GS_OK);
    assert_int_equal(gs_share_compute(sh, GS_FAIRSHARE_FAIR_TREE, 0), GS_OK);
    /* X and Y tie (LFS 1); merged, a and c have LFS .5/.25 = 2, b and d
     * .5/.75 = .667: a and c share rank 4, b and d rank 2 (ranks skip as
     * in competition ranking). */
    assert_true(fabs(gs_share_factor(sh, "a", "X") - 1.0) < 1e-12);
    assert_true(fabs(gs_share_factor(sh, "c", "Y") - 1.0) < 1e-12);
    assert_true(fabs(gs_share_factor(sh, "b", "X") - 0.5) < 1e-12);
    assert_true(fabs(gs_share_factor(sh, "d", "Y") - 0.5) < 1e-12);
    gs_share_destroy(sh);
}

/* ---- Slurm's testsuite: test24.1, test24.3, test24.4 --------------------- */

static gs_share *load_fixture(const char *acc_path, const char *use_path)
{
    gs_share *sh = NULL;
    assert_int_equal(gs_share_create(&sh), GS_OK);
    size_t n;
    char *acc = test_read_file(test_data(acc_path), &n);
    assert_non_null(acc);
    if (gs_share_load_accounts(sh, acc, n, acc_path) != GS_OK)
        fail_msg("%s", gs_share_errmsg(sh));
    free(acc);
    char *use = test_read_file(test_data(use_path), &n);
    assert_non_null(use);
    if (gs_share_load_usage(sh, use, n, use_path) != GS_OK)
        fail_msg("%s", gs_share_errmsg(sh));
    free(use);
    assert_int_equal(gs_share_set_half_life(sh, 0), GS_OK);
    return sh;
}

/* One sshare line: the row of (account, user), its values rounded to 6
 * decimals as sshare prints them. NAN: not checked; raw -1: "parent". */
typedef struct sshare_line {
    const char *acct, *user;
    double raw_shares, norm_shares, raw_usage, norm_usage, eff, fs, lfs;
} sshare_line;

/* fair_tree: NormShares is among siblings there (sshare under Fair Tree),
 * the row's level_shares */
static void check_sshare(const gs_share *sh, const sshare_line *want,
                         size_t nwant, bool fair_tree)
{
    for (size_t w = 0; w < nwant; w++) {
        const sshare_line *e = &want[w];
        gs_share_row r;
        bool found = false;
        for (size_t i = 0; i < gs_share_row_count(sh) && !found; i++) {
            memset(&r, 0, sizeof r);
            r.struct_size = sizeof r;
            assert_int_equal(gs_share_row_get(sh, i, &r), GS_OK);
            found = strcmp(r.account, e->acct) == 0 &&
                    (e->user ? r.user && strcmp(r.user, e->user) == 0
                             : r.user == NULL);
        }
        if (!found)
            fail_msg("no row %s|%s", e->acct, e->user ? e->user : "");
        const struct {
            const char *name;
            double got, want;
        } v[] = {{"NormShares", fair_tree ? r.level_shares : r.norm_shares,
                  e->norm_shares},
                 {"RawUsage", r.raw_usage, e->raw_usage},
                 {"NormUsage", r.norm_usage, e->norm_usage},
                 {"EffectvUsage", r.effective_usage, e->eff},
                 {"FairShare", r.factor, e->fs},
                 {"LevelFS", r.level_fs, e->lfs}};
        if (e->raw_shares < 0 ? !isnan(r.raw_shares)
                              : r.raw_shares != e->raw_shares)
            fail_msg("%s|%s RawShares: %g", e->acct, e->user ? e->user : "",
                     r.raw_shares);
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            if (isnan(v[k].want))
                continue;
            bool ok = isinf(v[k].want) ? isinf(v[k].got)
                                       : fabs(v[k].got - v[k].want) <= 5e-7;
            if (!ok)
                fail_msg("%s|%s %s: %.9f, want %.6f", e->acct,
                         e->user ? e->user : "", v[k].name, v[k].got,
                         v[k].want);
        }
    }
}

#define NA NAN
#define PARENT (-1.0)

static void classic_matches_slurm_test24_1(void **state)
{
    (void)state;
    /* Slurm testsuite/expect/test24.1 (tree and usage_raw from
     * test24.1.prog.c, FairShareDampeningFactor=1), every expected line:
     * Account|User|RawShares|NormShares|RawUsage|NormUsage|EffectvUsage|
     * FairShare. AccountG has 0 shares and 30 of the 100 usage. */
    gs_share *sh = load_fixture("sim/slurm-test24.1-accounts.json",
                                "sim/slurm-test24.1-usage.csv");
    assert_int_equal(gs_share_compute(sh, GS_FAIRSHARE_CLASSIC, 0), GS_OK);
    static const sshare_line want[] = {
        {"AccountA", NULL, 40, .4, 45, .45, .45, .458502, NA},
        {"AccountB", NULL, 30, .3, 20, .2, .3875, .408479, NA},
        {"AccountB", "User1", 1, .3, 20, .2, .3875, .408479, NA},
        {"AccountC", NULL, 10, .1, 25, .25, .3, .125, NA},
        {"AccountC", "User2", 1, .05, 25, .25, .275, .022097, NA},
        {"AccountC", "User3", 1, .05, 0, 0, .15, .125, NA},
        {"AccountD", NULL, 60, .6, 25, .25, .25, .749154, NA},
        {"AccountE", NULL, 25, .25, 25, .25, .25, .5, NA},
        {"AccountE", "User4", 1, .25, 25, .25, .25, .5, NA},
        {"AccountF", NULL, 35, .35, 0, 0, .145833, .749154, NA},
        {"AccountF", "User5", 1, .35, 0, 0, .145833, .749154, NA},
        {"AccountG", NULL, 0, 0, 30, .3, .3, 0, NA},
        /* test24.1 only matches "AccountG|User6|0|" */
        {"AccountG", "User6", 0, NA, NA, NA, NA, NA, NA},
    };
    check_sshare(sh, want, sizeof want / sizeof want[0], false);
    gs_share_destroy(sh);
}

static void classic_fairshare_parent_slurm_test24_3(void **state)
{
    (void)state;
    /* Slurm testsuite/expect/test24.3 (classic with Fairshare=parent; tree
     * from test24.3.prog.c): all 22 expected lines. A "parent" association
     * takes the NormShares, EffectvUsage and FairShare of its nearest
     * ancestor without "parent" (AccountH); AccountHTA's children share
     * AccountH's shares with UHRA2/UHRA3: 40+50+30+50 = 170. */
    gs_share *sh = load_fixture("sim/slurm-test24.3-accounts.json",
                                "sim/slurm-test24.3-usage.csv");
    assert_int_equal(gs_share_compute(sh, GS_FAIRSHARE_CLASSIC, 0), GS_OK);
    static const sshare_line want[] = {
        {"root", NULL, 1, 1, 210, 1, 1, NA, NA},
        {"AccountA", NULL, 40, .266667, 45, .214286, .214286, .572929, NA},
        {"AccountB", NULL, 30, .2, 20, .095238, .184524, .527550, NA},
        {"AccountB", "User1", 1, .2, 20, .095238, .184524, .527550, NA},
        {"AccountC", NULL, 10, .066667, 25, .119048, .142857, .226431, NA},
        {"AccountC", "User2", 1, .033333, 25, .119048, .130952, .065672, NA},
        {"AccountC", "User3", 1, .033333, 0, 0, .071429, .226431, NA},
        {"AccountD", NULL, 60, .4, 25, .119048, .119048, .813594, NA},
        {"AccountE", NULL, 25, .166667, 25, .119048, .119048, .609507, NA},
        {"AccountE", "User4", 1, .166667, 25, .119048, .119048, .609507, NA},
        {"AccountF", NULL, 35, .233333, 0, 0, .069444, .813594, NA},
        {"AccountF", "User5", 1, .233333, 0, 0, .069444, .813594, NA},
        {"AccountG", NULL, 0, 0, 30, .142857, .142857, 0, NA},
        {"AccountG", "User6", 0, 0, 30, .142857, .142857, 0, NA},
        {"AccountH", NULL, 50, .333333, 110, .523810, .523810, .336475, NA},
        {"AccountH", "UHRA1", PARENT, .333333, 20, .095238, .523810, .336475,
         NA},
        {"AccountH", "UHRA2", 40, .078431, 20, .095238, .196078, .176777, NA},
        {"AccountH", "UHRA3", 50, .098039, 25, .119048, .238095, .185749, NA},
        {"AccountHTA", NULL, PARENT, .333333, 45, .214286, .523810, .336475,
         NA},
        {"AccountHTA", "UHTAStd1", PARENT, .333333, 10, .047619, .523810,
         .336475, NA},
        {"AccountHTA", "UHTAStd2", 30, .058824, 10, .047619, .131653,
         .211966, NA},
        {"AccountHTA", "UHTAStd3", 50, .098039, 25, .119048, .238095,
         .185749, NA},
    };
    check_sshare(sh, want, sizeof want / sizeof want[0], false);
    gs_share_destroy(sh);
}

static void fair_tree_matches_slurm_test24_4(void **state)
{
    (void)state;
    /* Slurm testsuite/expect/test24.4 (Fair Tree; tree from
     * test24.4.prog.c): 21 users, FairShare = rank / 21. Checked: RawUsage,
     * NormUsage, EffectvUsage (usage / the parent's), LevelFS, the users'
     * FairShare and NormShares of all 35 lines; Fair Tree's sshare shows
     * shares among siblings as NormShares: the rows' level_shares (with
     * Fairshare=parent, the parent's: uD1, aDA, uDA1 show aD's). Ties: u1, aE and
     * aF are all inf, so aE1, aE2, uF1, uF2 share u1's rank 21; uG1 ties
     * with aGA (LevelFS 1) and shares uGA1's rank 4; Fairshare=parent users
     * uD1, uDA1 have LevelFS inf and rank first in aD (10); uD3 and uDA3
     * tie (7) but uD2 is a hair lower in floating point (5), as the test's
     * notes say. */
    gs_share *sh = load_fixture("sim/slurm-test24.4-accounts.json",
                                "sim/slurm-test24.4-usage.csv");
    assert_int_equal(gs_share_compute(sh, GS_FAIRSHARE_FAIR_TREE, 0), GS_OK);
    const double I = INFINITY;
    static const sshare_line want[] = {
        {"root", "u1", 10, .048077, 0, 0, 0, 1, INFINITY},
        {"root", "u2", 10, .048077, 10, .041667, .041667, .666667, 1.153846},
        {"aA", NULL, 40, .192308, 45, .1875, .1875, NA, 1.025641},
        {"aAA", NULL, 30, .75, 20, .083333, .444444, NA, 1.6875},
        {"aAA", "uAA1", 1, 1, 20, .083333, 1, .619048, 1},
        {"aAB", NULL, 10, .25, 25, .104167, .555556, NA, .45},
        {"aAB", "uAB1", 1, .5, 25, .104167, 1, .523810, .5},
        {"aAB", "uAB2", 1, .5, 0, 0, 0, .571429, INFINITY},
        {"aB", NULL, 60, .288462, 25, .104167, .104167, NA, 2.769231},
        {"aBA", NULL, 25, .416667, 25, .104167, 1, NA, .416667},
        {"aBA", "uBA1", 1, 1, 25, .104167, 1, .714286, 1},
        {"aBB", NULL, 35, .583333, 0, 0, 0, NA, INFINITY},
        {"aBB", "uBB1", 1, 1, 0, 0, 0, .761905, INFINITY},
        {"aC", NULL, 0, 0, 30, .125, .125, NA, 0},
        {"aC", "uC1", 0, 0, 30, .125, 1, .047619, 0},
        {"aD", NULL, 50, .240385, 110, .458333, .458333, NA, .524476},
        {"aD", "uD1", PARENT, .240385, 20, .083333, .181818, .476190, NA},
        {"aD", "uD2", 40, .235294, 20, .083333, .181818, .238095, 1.294118},
        {"aD", "uD3", 50, .294118, 25, .104167, .227273, .333333, 1.294118},
        {"aDA", NULL, PARENT, .240385, 45, .1875, .409091, NA, NA},
        {"aDA", "uDA1", PARENT, .240385, 10, .041667, .090909, .476190, NA},
        {"aDA", "uDA2", 30, .176471, 10, .041667, .090909, .380952, 1.941176},
        {"aDA", "uDA3", 50, .294118, 25, .104167, .227273, .333333, 1.294118},
        {"aE", NULL, 10, .048077, 0, 0, 0, NA, INFINITY},
        {"aE", "aE1", 10, .5, 0, 0, 0, 1, INFINITY},
        {"aE", "aE2", 10, .5, 0, 0, 0, 1, INFINITY},
        {"aF", NULL, 20, .096154, 0, 0, 0, NA, INFINITY},
        {"aF", "uF1", 10, .333333, 0, 0, 0, 1, INFINITY},
        {"aF", "uF2", 20, .666667, 0, 0, 0, 1, INFINITY},
        {"aG", NULL, 8, .038462, 20, .083333, .083333, NA, .461538},
        {"aG", "uG1", 10, .5, 10, .041667, .5, .190476, 1},
        {"aGA", NULL, 10, .5, 10, .041667, .5, NA, 1},
        {"aGA", "uGA1", 20, .5, 4, .016667, .4, .190476, 1.25},
        {"aGA", "uGA2", 20, .5, 6, .025, .6, .095238, .833333},
    };
    check_sshare(sh, want, sizeof want / sizeof want[0], true);
    /* the ranks behind the factors, and Fairshare=parent's level: users
     * inf (above), the account none */
    assert_int_equal(gs_share_row_count(sh), 35);
    for (size_t i = 0; i < gs_share_row_count(sh); i++) {
        gs_share_row r;
        memset(&r, 0, sizeof r);
        r.struct_size = sizeof r;
        assert_int_equal(gs_share_row_get(sh, i, &r), GS_OK);
        if (r.user)
            assert_true(fabs(r.factor - r.rank / 21.0) < 1e-12);
        if (!r.user && strcmp(r.account, "aDA") == 0)
            assert_true(isnan(r.level_fs));
        if (r.user && strcmp(r.user, "uD1") == 0)
            assert_true(r.level_fs == I);
    }
    /* Fair Tree's user order: uD3 (and uDA3) strictly above uD2 */
    assert_true(gs_share_factor(sh, "uD3", "aD") >
                gs_share_factor(sh, "uD2", "aD"));
    gs_share_destroy(sh);
}

#undef NA
#undef PARENT

static void decay_is_exact(void **state)
{
    (void)state;
    gs_share *sh = NULL;
    assert_int_equal(gs_share_create(&sh), GS_OK);
    assert_int_equal(gs_share_add_user(sh, "u", "root", 1), GS_OK);
    assert_int_equal(gs_share_set_half_life(sh, 100), GS_OK);
    assert_int_equal(gs_share_set_usage(sh, "u", "root", 1000, 50), GS_OK);
    /* one half-life later: 500; two: 250; 37 s: 1000 * 2^-0.37 */
    assert_true(fabs(gs_share_usage(sh, "u", "root", 150) - 500) < 1e-9);
    assert_true(fabs(gs_share_usage(sh, "u", "root", 250) - 250) < 1e-9);
    assert_true(fabs(gs_share_usage(sh, "u", "root", 87) -
                     1000 * pow(2, -0.37)) < 1e-9);
    /* adding decays what was there first */
    assert_int_equal(gs_share_add_usage(sh, "u", "root", 10, 150), GS_OK);
    assert_true(fabs(gs_share_usage(sh, "u", "root", 150) - 510) < 1e-9);
    assert_true(fabs(gs_share_usage(sh, NULL, "root", 250) - 255) < 1e-9);
    /* bad arguments change nothing */
    assert_int_equal(gs_share_set_half_life(sh, -1), GS_EINVAL);
    assert_int_equal(gs_share_add_usage(sh, "u", "root", -1, 150), GS_EINVAL);
    assert_int_equal(gs_share_add_usage(sh, "v", "root", 1, 150),
                     GS_ENOTFOUND);
    assert_true(fabs(gs_share_usage(sh, "u", "root", 150) - 510) < 1e-9);
    /* a usage file with a bad line changes nothing, and says where */
    const char *csv = "user,account,usage\nu,root,7\nw,root,x\n";
    assert_int_equal(gs_share_load_usage(sh, csv, strlen(csv), "u.csv"),
                     GS_EPARSE);
    assert_non_null(strstr(gs_share_errmsg(sh), "u.csv:3:8:"));
    assert_true(fabs(gs_share_usage(sh, "u", "root", 150) - 510) < 1e-9);
    assert_true(gs_share_usage(sh, "w", "root", 150) < 0);
    /* a header names the columns in any order and case; quoted names;
     * comments and CRLF */
    const char *re = "# seeded\r\nAccount,Usage,User\r\nroot,20,\"u\"\r\n";
    assert_int_equal(gs_share_load_usage(sh, re, strlen(re), "r.csv"), GS_OK);
    /* loaded usage is as of time 0: 20 * 2^(-150/100) at 150 */
    const double u20 = 20 * pow(2, -1.5);
    assert_true(fabs(gs_share_usage(sh, "u", "root", 150) - u20) < 1e-9);
    static const struct {
        const char *csv, *msg;
    } bad[] = {
        {"user,acct,usage\nu,root,1\n", "b.csv:1:6: unknown column \"acct\""},
        {"user,usage,usage\nu,1,1\n", "b.csv:1:12: duplicate column"},
        {"bogus,account,usage\n", "b.csv:1:1: unknown column \"bogus\""},
        {"u,root\n", "b.csv:1:1: expected 3 fields"},
        /* a bad name is reported at its own field, saying which name */
        {"u,bad name,1\n", "b.csv:1:3: account name \"bad name\""},
        {"u,root,1\n\"u x\",root,1\n", "b.csv:2:2: user name \"u x\""},
        {"u,a"
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
         ",1\n",
         "b.csv:1:3: account name is longer than 256 characters"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(
            gs_share_load_usage(sh, bad[k].csv, strlen(bad[k].csv), "b.csv"),
            GS_EPARSE);
        if (!strstr(gs_share_errmsg(sh), bad[k].msg))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", k, gs_share_errmsg(sh),
                     bad[k].msg);
    }
    assert_true(fabs(gs_share_usage(sh, "u", "root", 150) - u20) < 1e-9);
    gs_share_destroy(sh);
}

/* ---- usage accrues while jobs run, and decays --------------------------- */

static void fair_share_flips_as_usage_accrues(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    gs_sched *s = mk(t, GS_ORDER_MULTIFACTOR, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    configure(s, "{\"accounts\":[{\"name\":\"lab\",\"shares\":1}],"
                 "\"users\":[{\"name\":\"u1\",\"account\":\"lab\"},"
                 "{\"name\":\"u2\",\"account\":\"lab\"}],"
                 "\"half_life\":1000}");
    fairshare_only(s);
    const double H = 1000, L = H / log(2);
    /* u1 runs 8 GPUs over [0, 500] */
    uint64_t a = sub(s, (jspec){.gpus = 8, .user = "u1", .account = "lab"});
    step(s, 0);
    expect_start(s, a, 0);
    /* both queue 8-GPU jobs; u1 first in time */
    uint64_t b = sub(s, (jspec){.gpus = 8, .submit = 400, .user = "u1",
                                .account = "lab"});
    uint64_t c = sub(s, (jspec){.gpus = 8, .submit = 450, .user = "u2",
                                .account = "lab"});
    assert_int_equal(gs_sched_complete(s, a, 500), GS_OK);
    /* usage of u1 at 500: integral of 8 * 2^(-(500-x)/H) over [0, 500] */
    double u1 = 8 * L * (1 - pow(2, -500 / H));
    gs_share *sh = gs_sched_share(s);
    assert_non_null(sh);
    assert_true(fabs(gs_share_usage(sh, "u1", "lab", 500) - u1) < 1e-6 * u1);
    step(s, 500);
    /* u2 has used nothing: it goes first though it came later */
    expect_start(s, c, 500);
    expect_pending(s, b, GS_REASON_RESOURCES);
    gs_priority_breakdown pb;
    memset(&pb, 0, sizeof pb);
    pb.struct_size = sizeof pb;
    assert_int_equal(gs_sched_job_priority(s, b, &pb), GS_OK);
    assert_true(fabs(pb.fairshare - 0.5) < 1e-12); /* rank 1 of 2 */
    /* u2 runs [500, 1500]: 8 L (1 - 2^-1) = 5770.8; u1 decays to
     * 3380.3 / 2 = 1690.2, so u1 now goes first */
    uint64_t d = sub(s, (jspec){.gpus = 8, .submit = 1000, .user = "u2",
                                .account = "lab"});
    assert_int_equal(gs_sched_complete(s, c, 1500), GS_OK);
    double u2 = 8 * L * (1 - pow(2, -1000 / H));
    assert_true(fabs(gs_share_usage(sh, "u2", "lab", 1500) - u2) < 1e-6 * u2);
    assert_true(fabs(gs_share_usage(sh, "u1", "lab", 1500) - u1 / 2) <
                1e-6 * u1);
    step(s, 1500);
    expect_start(s, b, 1500);
    expect_pending(s, d, GS_REASON_RESOURCES);
    /* while b runs, u1's usage accrues at 8/s: at 1500 + x, u1 =
     * u1/2 * 2^(-x/H) + 8 L (1 - 2^(-x/H)), u2 = u2 * 2^(-x/H). They meet
     * when 2^(-x/H) = 8L / (8L + u2 - u1/2). */
    double r = 8 * L / (8 * L + u2 - u1 / 2);
    double x = -H * log2(r);
    int64_t before = 1500 + (int64_t)floor(x) - 1;
    int64_t after = 1500 + (int64_t)ceil(x) + 1;
    /* u1's next job comes at 1600, before the two usage readings (time
     * goes forward only: a submission may not be earlier than a time the
     * scheduler was given) */
    assert_true(before > 1600);
    uint64_t e = sub(s, (jspec){.gpus = 8, .submit = 1600, .user = "u1",
                                .account = "lab"});
    assert_int_equal(gs_sched_update_usage(s, before), GS_OK);
    assert_true(gs_share_usage(sh, "u1", "lab", (double)before) <
                gs_share_usage(sh, "u2", "lab", (double)before));
    assert_int_equal(gs_sched_update_usage(s, after), GS_OK);
    assert_true(gs_share_usage(sh, "u1", "lab", (double)after) >
                gs_share_usage(sh, "u2", "lab", (double)after));
    /* and the order follows: with b done, u2's d goes before u1's next */
    assert_int_equal(gs_sched_complete(s, b, after), GS_OK);
    step(s, after);
    expect_start(s, d, after);
    expect_pending(s, e, GS_REASON_RESOURCES);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* ---- the multifactor priority, factor by factor ------------------------- */

static void multifactor_breakdown(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    gs_sched *s = mk(t, GS_ORDER_MULTIFACTOR, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    configure(s, "{\"users\":[{\"name\":\"u\",\"account\":\"root\"}],"
                 "\"priority_weights\":{\"age\":1000,\"fairshare\":2000,"
                 "\"job_size\":400,\"priority\":100,\"max_age\":7200,"
                 "\"calc_period\":0}}");
    /* fill the node so nothing starts */
    uint64_t big = sub(s, (jspec){.gpus = 8, .user = "u", .prio = 0});
    step(s, 0);
    expect_start(s, big, 0);
    uint64_t j1 = sub(s, (jspec){.gpus = 4, .user = "u", .prio = 50,
                                 .submit = 0, .nice = 30});
    uint64_t j2 = sub(s, (jspec){.gpus = 2, .user = "u", .prio = 100,
                                 .submit = 1800});
    step(s, 3600);
    /* j1: age 3600/7200 = .5, size 4/8 = .5, priority 50/100 = .5, fair
     * share: the only user, rank 1 of 1 = 1.
     * total = 1000*.5 + 2000*1 + 400*.5 + 100*.5 - 30 = 2720 */
    gs_priority_breakdown b;
    memset(&b, 0, sizeof b);
    b.struct_size = sizeof b;
    assert_int_equal(gs_sched_job_priority(s, j1, &b), GS_OK);
    assert_true(fabs(b.age - 0.5) < 1e-12);
    assert_true(fabs(b.job_size - 0.5) < 1e-12);
    assert_true(fabs(b.priority - 0.5) < 1e-12);
    assert_true(fabs(b.fairshare - 1.0) < 1e-12);
    assert_true(fabs(b.nice - 30) < 1e-12);
    assert_true(fabs(b.w_age - 500) < 1e-9);
    assert_true(fabs(b.w_fairshare - 2000) < 1e-9);
    assert_true(fabs(b.w_job_size - 200) < 1e-9);
    assert_true(fabs(b.w_priority - 50) < 1e-9);
    assert_true(fabs(b.total - 2720) < 1e-9);
    assert_true(fabs(inf(s, j1).priority_value - 2720) < 1e-9);
    /* j2: age 1800/7200 = .25, size .25, priority 1: 250 + 2000 + 100 +
     * 100 = 2450, so j1 goes first */
    assert_int_equal(gs_sched_job_priority(s, j2, &b), GS_OK);
    assert_true(fabs(b.total - 2450) < 1e-9);
    /* age is capped at 1 */
    step(s, 100000);
    assert_int_equal(gs_sched_job_priority(s, j1, &b), GS_OK);
    assert_true(fabs(b.age - 1.0) < 1e-12);
    /* errors */
    assert_int_equal(gs_sched_job_priority(s, 999, &b), GS_ENOTFOUND);
    b.struct_size = 0;
    assert_int_equal(gs_sched_job_priority(s, j1, &b), GS_EINVAL);
    gs_priority_weights w;
    gs_priority_weights_init(&w);
    w.age = -1;
    assert_int_equal(gs_sched_set_priority_weights(s, &w), GS_EINVAL);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

static void fifo_and_priority_orderings(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    for (int o = 0; o < 2; o++) {
        gs_sched *s = mk(t, o ? GS_ORDER_PRIORITY : GS_ORDER_FIFO,
                         GS_BACKFILL_NONE, GS_PREEMPT_OFF);
        uint64_t run = sub(s, (jspec){.gpus = 8});
        step(s, 0);
        uint64_t a = sub(s, (jspec){.gpus = 8, .prio = 1, .submit = 1});
        uint64_t b = sub(s, (jspec){.gpus = 8, .prio = 9, .submit = 2});
        uint64_t c = sub(s, (jspec){.gpus = 8, .prio = 9, .submit = 2});
        assert_int_equal(gs_sched_complete(s, run, 10), GS_OK);
        step(s, 10);
        /* fifo: a (earliest); priority: b (9, earlier id than c) */
        expect_start(s, o ? b : a, 10);
        assert_int_equal(gs_sched_complete(s, o ? b : a, 20), GS_OK);
        step(s, 20);
        expect_start(s, o ? c : b, 20);
        expect_pending(s, o ? a : c, GS_REASON_RESOURCES);
        gs_sched_destroy(s);
    }
    gs_topo_destroy(t);
}

/* ---- backfill ----------------------------------------------------------- */

/* The issue's scenario: one 8-GPU node, a 6-GPU job running until t=100;
 * queue B (8 GPUs, no limit), C (2 GPUs, limit 200), D (2 GPUs, limit 50)
 * in that priority order. */
static void easy_backfill_issue_scenario(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    for (int mode = 0; mode < 3; mode++) {
        gs_sched *s = mk(t, GS_ORDER_PRIORITY, (gs_backfill)mode,
                         GS_PREEMPT_OFF);
        uint64_t a = sub(s, (jspec){.gpus = 6, .limit = 100, .prio = 99});
        step(s, 0);
        expect_start(s, a, 0);
        uint64_t b = sub(s, (jspec){.gpus = 8, .prio = 30});
        uint64_t c = sub(s, (jspec){.gpus = 2, .limit = 200, .prio = 20});
        uint64_t d = sub(s, (jspec){.gpus = 2, .limit = 50, .prio = 10});
        step(s, 0);
        expect_pending(s, b, GS_REASON_RESOURCES);
        if (mode == GS_BACKFILL_NONE) {
            /* strict order: nothing passes B */
            expect_pending(s, c, GS_REASON_PRIORITY);
            expect_pending(s, d, GS_REASON_PRIORITY);
            gs_sched_destroy(s);
            continue;
        }
        /* B is reserved at 100 (A's limit); D ends at 50 <= 100: starts
         * now; C would end at 200 > 100: it would delay B */
        reason_has(s, b, "reserved to start at 100");
        expect_start(s, d, 0);
        expect_pending(s, c, GS_REASON_RESERVATION);
        reason_has(s, c, "would delay the reserved start of job");
        assert_int_equal(gs_sched_complete(s, d, 40), GS_OK);
        step(s, 40); /* 40 + 200 > 100: C still waits */
        expect_pending(s, c, GS_REASON_RESERVATION);
        assert_int_equal(gs_sched_complete(s, a, 100), GS_OK);
        step(s, 100);
        expect_start(s, b, 100);
        expect_pending(s, c, GS_REASON_RESOURCES);
        assert_int_equal(gs_sched_complete(s, b, 300), GS_OK);
        step(s, 300);
        expect_start(s, c, 300);
        gs_sched_destroy(s);
    }
    gs_topo_destroy(t);
}

/* Conservative protects every job ahead, easy only the first. One 8-GPU
 * node: A (4 GPUs, limit 100) and E (2 GPUs, limit 300) run from 0; queue
 * B (4, limit 100), C (6, limit 100), D (2, limit 250).
 * B: reserved at 100 on A's GPUs (free 2 + A's 4 = 6 >= 4), not on the
 * free ones, which backfill can use.
 * C: 6 GPUs are free only once B ends: reserved at 200 (E still holds 2).
 * D: the 2 free GPUs until 250. Easy: it delays no reservation (B's sits
 * on A's GPUs) and starts at 0; C then waits until D ends at 250.
 * Conservative: D would take 2 of the 6 GPUs C needs at 200: it waits;
 * C starts at 200; D starts at 300 when E ends. */
static void conservative_protects_every_job(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    /* first-fit takes the lowest free GPUs: F 0-1, A 2-5, E 6-7; B's
     * reservation must then choose 2-5 over the lower, free 0-1 */
    placement = "first-fit";
    for (int cons = 0; cons < 2; cons++) {
        gs_sched *s = mk(t, GS_ORDER_PRIORITY,
                         cons ? GS_BACKFILL_CONSERVATIVE : GS_BACKFILL_EASY,
                         GS_PREEMPT_OFF);
        /* a filler takes the lowest GPUs and ends at once, so the free
         * GPUs are the ones a lowest-first reservation would pick */
        uint64_t f = sub(s, (jspec){.gpus = 2, .limit = 10, .prio = 100});
        uint64_t a = sub(s, (jspec){.gpus = 4, .limit = 100, .prio = 95});
        uint64_t e = sub(s, (jspec){.gpus = 2, .limit = 300, .prio = 90});
        step(s, 0);
        assert_int_equal(gs_sched_complete(s, f, 0), GS_OK);
        uint64_t b = sub(s, (jspec){.gpus = 4, .limit = 100, .prio = 30});
        uint64_t c = sub(s, (jspec){.gpus = 6, .limit = 100, .prio = 20});
        uint64_t d = sub(s, (jspec){.gpus = 2, .limit = 250, .prio = 10});
        step(s, 0);
        reason_has(s, b, "reserved to start at 100");
        if (cons) {
            reason_has(s, c, "reserved to start at 200");
            expect_pending(s, d, GS_REASON_RESERVATION);
            /* the whole texts (made when asked, the start from the plan):
             * D at 300, when E and C end (at 100 and 200 the window over
             * its 250 s meets B's and C's GPUs) */
            char want[2][128];
            snprintf(want[0], sizeof want[0],
                     "needs 6 GPUs; not that many are free now; reserved "
                     "to start at 200");
            snprintf(want[1], sizeof want[1],
                     "would delay the reserved start of job %llu; reserved "
                     "to start at 300",
                     (unsigned long long)b);
            reason_is(s, c, want[0]);
            reason_is(s, d, want[1]);
            /* a snapshot keeps the texts */
            membuf m = {0};
            assert_int_equal(gs_sched_save(s, membuf_write, &m), GS_OK);
            gs_sched *r = NULL;
            assert_int_equal(gs_sched_restore_buffer(&r, t, NULL, m.p, m.n),
                             GS_OK);
            reason_is(r, c, want[0]);
            reason_is(r, d, want[1]);
            gs_sched_destroy(r);
            free(m.p);
        } else {
            expect_start(s, d, 0);
        }
        assert_int_equal(gs_sched_complete(s, a, 100), GS_OK);
        step(s, 100);
        expect_start(s, b, 100);
        assert_int_equal(gs_sched_complete(s, b, 200), GS_OK);
        step(s, 200);
        if (cons) {
            expect_start(s, c, 200);
            expect_pending(s, d, GS_REASON_RESOURCES);
            assert_int_equal(gs_sched_complete(s, c, 300), GS_OK);
            assert_int_equal(gs_sched_complete(s, e, 300), GS_OK);
            step(s, 300);
            expect_start(s, d, 300);
        } else {
            expect_pending(s, c, GS_REASON_RESOURCES);
            assert_int_equal(gs_sched_complete(s, d, 250), GS_OK);
            step(s, 250);
            expect_start(s, c, 250);
        }
        gs_sched_destroy(s);
    }
    placement = NULL;
    gs_topo_destroy(t);
}

static void no_time_limit_never_backfills(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    gs_sched *s = mk(t, GS_ORDER_PRIORITY, GS_BACKFILL_EASY, GS_PREEMPT_OFF);
    sub(s, (jspec){.gpus = 6, .limit = 100, .prio = 99});
    step(s, 0);
    uint64_t b = sub(s, (jspec){.gpus = 8, .prio = 30});
    uint64_t d = sub(s, (jspec){.gpus = 2, .prio = 10}); /* no limit */
    step(s, 0);
    expect_pending(s, b, GS_REASON_RESOURCES);
    expect_pending(s, d, GS_REASON_PRIORITY);
    reason_has(s, d, "no time limit");
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* Depth bounds how many jobs behind a blocked one are looked at. */
static void backfill_depth_and_horizon(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    gs_sched *s = mk(t, GS_ORDER_PRIORITY, GS_BACKFILL_EASY, GS_PREEMPT_OFF);
    configure(s, "{\"backfill\":{\"mode\":\"easy\",\"depth\":2,"
                 "\"horizon\":50}}");
    sub(s, (jspec){.gpus = 6, .limit = 100, .prio = 99});
    step(s, 0);
    uint64_t b = sub(s, (jspec){.gpus = 8, .prio = 50});
    /* two that cannot start (too big to backfill), then one that could */
    uint64_t x = sub(s, (jspec){.gpus = 4, .limit = 10, .prio = 40});
    uint64_t y = sub(s, (jspec){.gpus = 4, .limit = 10, .prio = 30});
    uint64_t z = sub(s, (jspec){.gpus = 1, .limit = 10, .prio = 20});
    step(s, 0);
    /* B's start (100) is beyond the 50 s horizon: no reservation */
    expect_pending(s, b, GS_REASON_RESOURCES);
    expect_pending(s, x, GS_REASON_RESOURCES);
    expect_pending(s, y, GS_REASON_RESOURCES);
    expect_pending(s, z, GS_REASON_PRIORITY); /* depth 2 reached */
    configure(s, "{\"backfill\":{\"depth\":3}}");
    step(s, 1);
    expect_start(s, z, 1);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}


/* With an interval, backfill runs at most once per interval; the steps in
 * between only start jobs in order. */
static void backfill_interval(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    gs_sched *s = mk(t, GS_ORDER_PRIORITY, GS_BACKFILL_EASY, GS_PREEMPT_OFF);
    configure(s, "{\"backfill\": {\"interval\": 50}}");
    uint64_t a = sub(s, (jspec){.gpus = 6, .limit = 100, .prio = 99});
    step(s, 0); /* a backfill pass (the first step) */
    expect_start(s, a, 0);
    uint64_t b = sub(s, (jspec){.gpus = 8, .prio = 30});
    uint64_t e = sub(s, (jspec){.gpus = 2, .limit = 20, .prio = 5});
    step(s, 40); /* 40 < 0 + 50: in order only, e waits behind b */
    expect_pending(s, b, GS_REASON_RESOURCES);
    expect_pending(s, e, GS_REASON_PRIORITY);
    step(s, 50); /* a pass: e ends at 70, before b's start at 100 */
    expect_start(s, e, 50);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* ---- preemption --------------------------------------------------------- */

static void preemption_requeue_and_cancel(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    for (int cancel = 0; cancel < 2; cancel++) {
        gs_sched *s = mk(t, GS_ORDER_PRIORITY, GS_BACKFILL_NONE,
                         cancel ? GS_PREEMPT_CANCEL : GS_PREEMPT_REQUEUE);
        /* X: 2 GPUs from 150, Y: 6 GPUs from 100, both preemptible. At
         * 200, H (6 GPUs, higher priority) arrives. Lost work: X 2*50 =
         * 100, Y 6*100 = 600. Least first: X alone frees 2 (not enough),
         * X+Y frees 8; then X is spared (Y alone frees 6): victim Y. */
        uint64_t y = sub(s, (jspec){.gpus = 6, .prio = 1, .preemptible = 1});
        step(s, 100);
        /* each step's start, read and taken */
        assert_int_equal(gs_sched_event_count(s), 1);
        assert_int_equal(gs_sched_events_consume(s, 1), GS_OK);
        uint64_t x = sub(s, (jspec){.gpus = 2, .prio = 1, .preemptible = 1,
                                    .submit = 150});
        step(s, 150);
        assert_int_equal(gs_sched_event_count(s), 1);
        assert_int_equal(gs_sched_events_consume(s, 1), GS_OK);
        uint64_t h = sub(s, (jspec){.gpus = 6, .prio = 10, .submit = 200});
        step(s, 200);
        expect_start(s, h, 200);
        assert_int_equal(inf(s, x).state, GS_JOB_RUNNING);
        gs_job_info iy = inf(s, y);
        assert_true(fabs(iy.lost_gpu_seconds - 600) < 1e-9);
        /* events: Y preempted (and requeued), then H started */
        size_t ne = gs_sched_event_count(s);
        gs_event ev;
        ev.struct_size = sizeof ev;
        assert_int_equal(ne, cancel ? 2 : 3);
        assert_int_equal(gs_sched_event(s, 0, &ev), GS_OK);
        assert_int_equal(ev.kind, GS_EVENT_PREEMPTED);
        assert_int_equal(ev.job, y);
        assert_int_equal(gs_sched_event(s, ne - 1, &ev), GS_OK);
        assert_int_equal(ev.kind, GS_EVENT_STARTED);
        assert_int_equal(ev.job, h);
        assert_int_equal(ev.time, 200);
        if (cancel) {
            assert_int_equal(iy.state, GS_JOB_PREEMPTED);
            assert_int_equal(iy.end_time, 200);
        } else {
            assert_int_equal(gs_sched_event(s, 1, &ev), GS_OK);
            assert_int_equal(ev.kind, GS_EVENT_REQUEUED);
            assert_int_equal(ev.job, y);
            assert_int_equal(iy.state, GS_JOB_PENDING);
            assert_int_equal(iy.requeues, 1);
            /* it runs again when H is done */
            assert_int_equal(gs_sched_events_consume(s, ne), GS_OK);
            assert_int_equal(gs_sched_complete(s, h, 300), GS_OK);
            step(s, 300);
            expect_start(s, y, 300);
            assert_int_equal(gs_sched_event_count(s), 1);
            assert_int_equal(gs_sched_event(s, 0, &ev), GS_OK);
            assert_int_equal(ev.kind, GS_EVENT_STARTED);
            assert_int_equal(ev.job, y);
        }
        gs_sched_destroy(s);
    }
    gs_topo_destroy(t);
}

static void preemption_respects_rank_and_flag(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    gs_sched *s = mk(t, GS_ORDER_PRIORITY, GS_BACKFILL_NONE,
                     GS_PREEMPT_REQUEUE);
    uint64_t keep = sub(s, (jspec){.gpus = 4, .prio = 1}); /* not marked */
    uint64_t high = sub(s, (jspec){.gpus = 4, .prio = 50, .preemptible = 1});
    step(s, 0);
    /* the two starts, read and taken */
    assert_int_equal(gs_sched_event_count(s), 2);
    assert_int_equal(gs_sched_events_consume(s, 2), GS_OK);
    /* a job that does not outrank the preemptible one cannot preempt it,
     * and nothing preempts the unmarked one */
    uint64_t mid = sub(s, (jspec){.gpus = 4, .prio = 20});
    step(s, 10);
    expect_pending(s, mid, GS_REASON_RESOURCES);
    assert_int_equal(gs_sched_event_count(s), 0);
    uint64_t top = sub(s, (jspec){.gpus = 8, .prio = 90, .submit = 10});
    step(s, 20);
    /* 8 GPUs would need the unmarked job's too: no preemption at all */
    expect_pending(s, top, GS_REASON_RESOURCES);
    assert_int_equal(gs_sched_event_count(s), 0);
    assert_int_equal(inf(s, high).state, GS_JOB_RUNNING);
    assert_int_equal(inf(s, keep).state, GS_JOB_RUNNING);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* ---- limits and dependencies ------------------------------------------- */

static void limits_hold_only_their_jobs(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    gs_sched *s = mk(t, GS_ORDER_FIFO, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    configure(s, "{\"accounts\":[{\"name\":\"phys\"},"
                 "{\"name\":\"hep\",\"parent\":\"phys\"}],"
                 "\"users\":[{\"name\":\"u1\",\"account\":\"hep\"},"
                 "{\"name\":\"u2\",\"account\":\"hep\"},"
                 "{\"name\":\"u3\",\"account\":\"root\"}],"
                 "\"limits\":{\"users\":{\"u1\":4},"
                 "\"accounts\":{\"phys\":6}}}");
    uint64_t a = sub(s, (jspec){.gpus = 2, .user = "u1", .account = "hep"});
    uint64_t b = sub(s, (jspec){.gpus = 2, .user = "u1", .account = "hep"});
    uint64_t c = sub(s, (jspec){.gpus = 2, .user = "u1", .account = "hep"});
    uint64_t d = sub(s, (jspec){.gpus = 2, .user = "u2", .account = "hep"});
    uint64_t e = sub(s, (jspec){.gpus = 2, .user = "u2", .account = "hep"});
    uint64_t f = sub(s, (jspec){.gpus = 2, .user = "u3", .account = "root"});
    step(s, 0);
    /* u1 stops at 4 GPUs (a, b); phys (through hep) at 6 (d); e waits
     * for the account; f is in neither and starts */
    expect_start(s, a, 0);
    expect_start(s, b, 0);
    expect_pending(s, c, GS_REASON_LIMIT);
    expect_start(s, d, 0);
    expect_pending(s, e, GS_REASON_LIMIT);
    reason_has(s, e, "phys");
    expect_start(s, f, 0);
    assert_int_equal(gs_sched_complete(s, a, 10), GS_OK);
    step(s, 10);
    /* a freed 2 of u1's 4 and of phys's 6: c (first in fifo) takes them */
    expect_start(s, c, 10);
    expect_pending(s, e, GS_REASON_LIMIT);
    /* removing the account limit lets e start */
    assert_int_equal(gs_sched_set_limit(s, GS_LIMIT_ACCOUNT, "phys", 0),
                     GS_OK);
    assert_int_equal(gs_sched_complete(s, f, 20), GS_OK);
    step(s, 20);
    expect_start(s, e, 20);
    assert_int_equal(gs_sched_set_limit(s, GS_LIMIT_ACCOUNT, "nope", 1),
                     GS_ENOTFOUND);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

static void dependencies(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    gs_sched *s = mk(t, GS_ORDER_FIFO, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    uint64_t a = sub(s, (jspec){.gpus = 1});
    uint64_t b = sub(s, (jspec){.gpus = 1, .depends_on = a});
    uint64_t c = sub(s, (jspec){.gpus = 1});
    step(s, 0);
    expect_start(s, a, 0);
    expect_pending(s, b, GS_REASON_DEPENDENCY);
    expect_start(s, c, 0); /* b does not hold back the queue */
    assert_int_equal(gs_sched_complete(s, a, 5), GS_OK);
    step(s, 5);
    expect_start(s, b, 5);
    uint64_t d = sub(s, (jspec){.gpus = 1, .submit = 5});
    uint64_t e = sub(s, (jspec){.gpus = 1, .submit = 5, .depends_on = d});
    assert_int_equal(gs_sched_cancel(s, d, 6), GS_OK);
    step(s, 6);
    expect_pending(s, e, GS_REASON_DEPENDENCY);
    reason_has(s, e, "can never be satisfied");
    /* a dependency on a job that does not exist is refused */
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 1;
    spec.submit_time = 6;
    spec.depends_on = 999;
    assert_int_equal(gs_sched_submit(s, &spec, NULL), GS_EINVAL);
    assert_non_null(strstr(gs_sched_errmsg(s), "depends_on"));
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* ---- configuration ------------------------------------------------------ */

static void configure_errors_change_nothing(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    gs_sched *s = mk(t, GS_ORDER_FIFO, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    const struct {
        const char *json, *msg;
    } bad[] = {
        {"{\"ordering\": \"lottery\"}", "cfg.json:1:14: \"ordering\" must be"},
        {"{\"backfill\": {\"mode\": \"easy\", \"dept\": 3}}",
         "cfg.json:1:31: unknown key \"dept\""},
        {"{\"priority_weights\": {\"age\": -1}}", "cfg.json:1:"},
        {"{\"accounts\": [{\"name\": \"a\", \"parent\": \"zz\"}]}", "zz"},
        {"{\"ordering\": \"priority\",\n \"limits\": {\"users\": 3}}",
         "cfg.json:2:22:"},
        {"{\"ordering\": ", "cfg.json:1:"},
        {"{\"ordering\": \"priority\", \"limits\": {\"accounts\": "
         "{\"nope\": 2}}}",
         "cfg.json:1:50: no account \"nope\""},
        /* a model name is checked before anything is applied (an empty
         * one used to fail half-way, after the accounts were added) */
        {"{\"ordering\": \"priority\", \"accounts\": [{\"name\": \"m1\"}], "
         "\"usage_weights\": {\"models\": {\"H100\": 1, \"\": 2}}}",
         "cfg.json:1:96: model name"},
        {"{\"ordering\": \"priority\", \"accounts\": [{\"name\": \"m1\"}], "
         "\"usage_weights\": {\"models\": {\"H\\u0000100\": 2}}}",
         "cfg.json:1:85: model name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        gs_status st = gs_sched_configure(s, bad[i].json, strlen(bad[i].json),
                                          "cfg.json");
        if (st == GS_OK)
            fail_msg("case %zu accepted", i);
        if (!strstr(gs_sched_errmsg(s), bad[i].msg))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, gs_sched_errmsg(s),
                     bad[i].msg);
    }
    assert_int_equal(gs_share_row_count(gs_sched_share(s)), 1);
    /* still fifo: a later high-priority job does not pass */
    uint64_t r = sub(s, (jspec){.gpus = 8});
    step(s, 0);
    uint64_t a = sub(s, (jspec){.gpus = 8, .prio = 0, .submit = 1});
    uint64_t b = sub(s, (jspec){.gpus = 8, .prio = 9, .submit = 2});
    assert_int_equal(gs_sched_complete(s, r, 3), GS_OK);
    step(s, 3);
    expect_start(s, a, 3);
    expect_pending(s, b, GS_REASON_RESOURCES);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

/* A struct from an older header (without nice, preemptible, depends_on)
 * is still accepted: the missing fields keep their defaults. */
static void older_job_spec_is_accepted(void **state)
{
    (void)state;
    gs_topo *t = topo8();
    gs_sched *s = mk(t, GS_ORDER_FIFO, GS_BACKFILL_NONE, GS_PREEMPT_OFF);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.gpus = 2;
    spec.depends_on = 12345; /* beyond the struct the caller knows */
    spec.struct_size = (uint32_t)offsetof(gs_job_spec, nice);
    uint64_t id = 0;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_OK);
    step(s, 0);
    expect_start(s, id, 0);
    spec.struct_size = 8;
    assert_int_equal(gs_sched_submit(s, &spec, &id), GS_EINVAL);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}

static void names_of_states_and_reasons(void **state)
{
    (void)state;
    assert_string_equal(gs_job_state_name(GS_JOB_PREEMPTED), "preempted");
    assert_string_equal(gs_pending_reason_name(GS_REASON_LIMIT), "limit");
    assert_string_equal(gs_pending_reason_name(GS_REASON_RESERVATION),
                        "reservation");
    assert_string_equal(gs_pending_reason_name(GS_REASON_DEPENDENCY),
                        "dependency");
    assert_string_equal(gs_pending_reason_name((gs_pending_reason)99), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classic_matches_slurm_example),
        cmocka_unit_test(fair_tree_ranks_slurm_example),
        cmocka_unit_test(fair_tree_ties),
        cmocka_unit_test(classic_matches_slurm_test24_1),
        cmocka_unit_test(classic_fairshare_parent_slurm_test24_3),
        cmocka_unit_test(fair_tree_matches_slurm_test24_4),
        cmocka_unit_test(decay_is_exact),
        cmocka_unit_test(fair_share_flips_as_usage_accrues),
        cmocka_unit_test(multifactor_breakdown),
        cmocka_unit_test(fifo_and_priority_orderings),
        cmocka_unit_test(easy_backfill_issue_scenario),
        cmocka_unit_test(conservative_protects_every_job),
        cmocka_unit_test(no_time_limit_never_backfills),
        cmocka_unit_test(backfill_depth_and_horizon),
        cmocka_unit_test(backfill_interval),
        cmocka_unit_test(preemption_requeue_and_cancel),
        cmocka_unit_test(preemption_respects_rank_and_flag),
        cmocka_unit_test(limits_hold_only_their_jobs),
        cmocka_unit_test(dependencies),
        cmocka_unit_test(configure_errors_change_nothing),
        cmocka_unit_test(older_job_spec_is_accepted),
        cmocka_unit_test(names_of_states_and_reasons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
