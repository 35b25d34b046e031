/*
 * A host's own ordering policy: deadline first, with a fair-share floor.
 *
 * Jobs with a deadline go before jobs without one, the nearest deadline
 * first, unless their user has used more than its share (fair-share
 * factor below FLOOR): such a user's deadline is ignored and its jobs rank
 * with the rest, by fair share. The deadlines are the host's: it keeps
 * them in the policy's state (here a small table by job id), which the
 * scheduler hands back to every call.
 *
 * The policy is registered through the same table the built-in orderings
 * use (gs_ordering_register), chosen by name in the scheduler's config,
 * and sees each pending job as a read-only gs_order_job. With
 * GS_ORDERING_USES_FACTORS the scheduler charges usage and recomputes fair
 * share before asking, so job->fairshare is current.
 *
 * Running it is its test: it checks the start order it prints against the
 * one worked out by hand in main() and exits 1 when they differ.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <gpusched/gpusched.h>

#include <stdio.h>
#include <string.h>

#define FLOOR 0.6
#define MAX_JOBS 16

/* The policy's state: a deadline (0: none) per job id. */
typedef struct deadlines {
    int64_t at[MAX_JOBS + 1];
} deadlines;

static deadlines book;

static gs_status dl_init(void **state, const gs_topo *topo,
                         const char *options)
{
    (void)topo;
    (void)options;
    *state = &book;
    return GS_OK;
}

/* Larger goes first. Deadlines are times (|t| <= 2^60): 2^62 - t keeps
 * them apart from, and above, fair-share factors, which lie in [0, 1]. */
static double dl_priority(void *state, const gs_order_job *job)
{
    const deadlines *d = state;
    int64_t at = job->id <= MAX_JOBS ? d->at[job->id] : 0;
    if (at && job->fairshare >= FLOOR)
        return 4611686018427387904.0 - (double)at;
    return job->fairshare;
}

static const gs_ordering_ops deadline_first = {
    .abi_version = GS_ORDERING_ABI_VERSION,
    .name = "deadline-first",
    .description = "nearest deadline first, unless the user is below a "
                   "fair-share floor; then by fair share",
    .flags = GS_ORDERING_USES_FACTORS,
    .init = dl_init,
    .priority = dl_priority,
};

static uint64_t submit(gs_sched *s, const char *name, const char *user,
                       int64_t deadline, int64_t t)
{
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.name = name;
    spec.user = user;
    spec.account = "lab";
    spec.gpus = 8;
    spec.time_limit = 3600;
    spec.submit_time = t;
    uint64_t id = 0;
    if (gs_sched_submit(s, &spec, &id) != GS_OK || id > MAX_JOBS) {
        fprintf(stderr, "submit %s: %s\n", name, gs_sched_errmsg(s));
        return 0;
    }
    book.at[id] = deadline;
    return id;
}

int main(void)
{
    if (gs_ordering_register(&deadline_first) != GS_OK) {
        fprintf(stderr, "could not register deadline-first\n");
        return 1;
    }
    gs_topo *topo = NULL;
    if (gs_topo_load(&topo, "dgx-h100", NULL) != GS_OK) {
        fprintf(stderr, "%s\n", gs_topo_errmsg(topo));
        gs_topo_destroy(topo);
        return 1;
    }
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.ordering_name = "deadline-first";
    gs_sched *s = NULL;
    if (gs_sched_create(&s, topo, &cfg) != GS_OK) {
        fprintf(stderr, "%s\n", gs_sched_errmsg(s));
        gs_sched_destroy(s);
        gs_topo_destroy(topo);
        return 1;
    }
    /* Two users with equal shares in one account. "hog" has already used
     * 20 GPU-hours and "ada" 1: under Fair Tree ada ranks first (factor
     * 2/2 = 1.0) and hog second (1/2 = 0.5), below the floor of 0.6, so
     * hog's deadlines do not count. ada's jobs below add 8 GPUs x 1800 s
     * each, which keeps her usage under hog's throughout. */
    const char *accounts =
        "{\"accounts\": [{\"name\": \"lab\"}],"
        " \"users\": [{\"name\": \"ada\", \"account\": \"lab\"},"
        "             {\"name\": \"hog\", \"account\": \"lab\"}],"
        " \"half_life\": 0}";
    gs_share *share = gs_sched_share(s);
    if (gs_sched_configure(s, accounts, strlen(accounts), "accounts") !=
            GS_OK ||
        gs_share_set_usage(share, "hog", "lab", 20 * 3600.0, 0) != GS_OK ||
        gs_share_set_usage(share, "ada", "lab", 1 * 3600.0, 0) != GS_OK) {
        fprintf(stderr, "%s\n", gs_sched_errmsg(s));
        gs_sched_destroy(s);
        gs_topo_destroy(topo);
        return 1;
    }
    /* Each job takes the whole node, so they run one after another. */
    uint64_t plain = submit(s, "plain", "ada", 0, 0);
    uint64_t late = submit(s, "late", "hog", 90000, 1);
    uint64_t soon = submit(s, "soon", "hog", 20000, 2);
    uint64_t mid = submit(s, "mid", "ada", 50000, 3);
    if (!plain || !late || !soon || !mid)
        return 1;
    /* By hand: mid first (ada's deadline; ada is above the floor); then
     * by fair share: plain (ada, 1.0), then hog's late and soon (0.5
     * each: equal, so by submission time). soon has the nearest deadline
     * of all but runs last: its user is below the floor. */
    uint64_t want[] = {mid, plain, late, soon};
    uint64_t got[4] = {0};
    size_t n = 0;
    int64_t now = 10;
    while (n < 4) {
        if (gs_sched_step(s, now, NULL) != GS_OK)
            break;
        /* each event is taken off the queue as it is read */
        gs_event ev = GS_EVENT_INIT;
        while (gs_sched_next_event(s, &ev) == GS_OK) {
            if (ev.kind != GS_EVENT_STARTED || n == 4)
                continue;
            gs_job_info info = GS_JOB_INFO_INIT;
            gs_sched_job_info(s, ev.job, &info);
            printf("t=%-5lld %-5s (user %s)\n", (long long)now, info.name,
                   info.user);
            got[n++] = ev.job;
            gs_sched_complete(s, ev.job, now + 1800);
        }
        now += 1800;
    }
    int rc = n == 4 && memcmp(got, want, sizeof want) == 0 ? 0 : 1;
    if (rc)
        fprintf(stderr, "unexpected start order\n");
    gs_sched_destroy(s);
    gs_topo_destroy(topo);
    gs_ordering_unregister("deadline-first");
    return rc;
}
