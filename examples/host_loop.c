/*
 * A complete small host: what a resource manager or a launcher does with
 * gpusched, in one file.
 *
 *   1. describe the cluster (two DGX-1V nodes, here from JSON text);
 *   2. create a scheduler and configure it: accounts with fair share,
 *      multifactor ordering, easy backfill;
 *   3. submit jobs;
 *   4. the loop: step at the host's time, take the decisions (events)
 *      off the scheduler's queue, give each started job its GPUs
 *      (CUDA_VISIBLE_DEVICES) and CPUs, end jobs when they finish, and
 *      handle a GPU that fails;
 *   5. read why jobs wait, and the fair-share factors; ended jobs'
 *      final records come to a hook just before the scheduler forgets
 *      them (it keeps them 5 minutes by default).
 *
 * The host owns the clock: here a simulated one that jumps to the next
 * job end. A real host passes its wall-clock seconds instead; either way
 * it never goes back (the scheduler refuses an earlier time).
 *
 *   cc host_loop.c $(pkg-config --cflags --libs gpusched) && ./a.out
 *
 * It exits 0 when every job ran as expected (the tests run it).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <gpusched/gpusched.h>

#include <stdio.h>
#include <string.h>

#define MAX_JOBS 16

/* What the host knows about its jobs: how long each really runs. */
typedef struct host_job {
    const char *name, *user, *account;
    uint32_t gpus;
    int64_t limit, runtime;
    uint64_t id;
    int64_t end; /* when it will finish, once started; -1 before */
    /* its final record, once the scheduler forgot it (forgotten set) */
    int forgotten;
    gs_job_state final_state;
} host_job;

static host_job jobs[] = {
    {"train-a", "alice", "vision", 8, 7200, 3600, 0, -1, 0, GS_JOB_PENDING},
    {"train-b", "bob", "nlp", 4, 3600, 1800, 0, -1, 0, GS_JOB_PENDING},
    {"big", "carol", "nlp", 16, 7200, 3600, 0, -1, 0, GS_JOB_PENDING},
    {"tune-1", "alice", "vision", 2, 900, 600, 0, -1, 0, GS_JOB_PENDING},
    {"tune-2", "dave", "vision", 1, 600, 300, 0, -1, 0, GS_JOB_PENDING},
};
#define N_JOBS (sizeof jobs / sizeof jobs[0])

static const char cluster_json[] =
    "{\"nodes\": [{\"name\": \"dgx[1-2]\", \"template\": \"dgx1-v100\"}]}";

/* Accounts, fair share and backfill in the scheduler's JSON format
 * (docs/formats.md); gs_sched_set_* calls do the same one by one. */
static const char config_json[] =
    "{\"accounts\": [{\"name\": \"vision\", \"shares\": 60},"
    "               {\"name\": \"nlp\", \"shares\": 40}],"
    " \"users\": [{\"name\": \"alice\", \"account\": \"vision\"},"
    "            {\"name\": \"dave\", \"account\": \"vision\"},"
    "            {\"name\": \"bob\", \"account\": \"nlp\"},"
    "            {\"name\": \"carol\", \"account\": \"nlp\"}],"
    " \"ordering\": \"multifactor\", \"fairshare\": \"fair-tree\","
    " \"half_life\": 86400,"
    " \"backfill\": {\"mode\": \"easy\", \"depth\": 50}}";

static host_job *by_id(uint64_t id)
{
    for (size_t i = 0; i < N_JOBS; i++)
        if (jobs[i].id == id)
            return &jobs[i];
    return NULL;
}

/* A job started: tell it where to run (a real host would launch it on
 * each node with these variables). */
static int launch(gs_sched *s, const gs_topo *t, host_job *j, int64_t now)
{
    uint32_t nodes = gs_sched_alloc_node_count(s, j->id);
    printf("t=%5lld start %-8s (%s/%s, %u GPU%s) on", (long long)now,
           j->name, j->user, j->account, j->gpus, j->gpus == 1 ? "" : "s");
    for (uint32_t k = 0; k < nodes; k++) {
        /* everything about the k-th node in one call */
        gs_alloc_entry e;
        gs_alloc_entry_init(&e);
        char buf[4096];
        if (gs_sched_alloc_entry(s, j->id, k, &e, buf, sizeof buf) != GS_OK)
            return -1;
        printf(" %s: CUDA_VISIBLE_DEVICES=%s cpus=%s", e.node_name,
               e.cuda_visible_devices, e.cpulist[0] ? e.cpulist : "-");
    }
    (void)t;
    printf("\n");
    j->end = now + j->runtime;
    return 0;
}

/* A job failed with a GPU it held (gs_sched_fail_gpu()): its other GPUs
 * are free again, and the host submits it again. */
static int resubmit(gs_sched *s, host_job *j, int64_t now)
{
    printf("t=%5lld failed %s: a GPU it held failed; submitted again\n",
           (long long)now, j->name);
    gs_job_spec spec;
    gs_job_spec_init(&spec);
    spec.name = j->name;
    spec.user = j->user;
    spec.account = j->account;
    spec.gpus = j->gpus;
    spec.time_limit = j->limit;
    spec.cpus_per_gpu = 4;
    spec.submit_time = now; /* not earlier than the scheduler's clock */
    j->end = -1;
    return gs_sched_submit(s, &spec, &j->id) == GS_OK ? 0 : -1;
}

/* Take every queued event off the queue, oldest first, and act on it.
 * Events stay queued until taken (gs_sched_next_event(), or
 * gs_sched_event() to look and gs_sched_events_consume()), and the
 * scheduler keeps every job an unread event names. */
static int handle_events(gs_sched *s, const gs_topo *t, int64_t now)
{
    gs_event ev = GS_EVENT_INIT;
    gs_status st;
    while ((st = gs_sched_next_event(s, &ev)) == GS_OK) {
        host_job *j = by_id(ev.job);
        if (!j)
            continue;
        if (ev.kind == GS_EVENT_STARTED && launch(s, t, j, now) != 0)
            return -1;
        if (ev.kind == GS_EVENT_FAILED && resubmit(s, j, now) != 0)
            return -1;
    }
    return st == GS_ENOTFOUND ? 0 : -1; /* GS_ENOTFOUND: the queue is empty */
}

/* The scheduler forgets an ended job once it ended long enough ago
 * (gs_sched_set_retention(): 300 s and 10,000 jobs by default); just
 * before, it shows the job's final record here, where a host keeps what
 * it needs (an accounting log, like Slurm's job completion log). */
static void job_forgotten(void *user_data, const gs_sched *s,
                          const gs_job_info *info)
{
    (void)user_data;
    (void)s;
    host_job *j = by_id(info->id); /* NULL: a run that was submitted again */
    if (!j)
        return;
    j->forgotten = 1;
    j->final_state = info->state;
    printf("        %-8s forgotten: %s, ran from %lld to %lld\n", j->name,
           gs_job_state_name(info->state), (long long)info->start_time,
           (long long)info->end_time);
}

/* Why the jobs that still wait are waiting. */
static void print_waiting(gs_sched *s)
{
    for (size_t i = 0; i < N_JOBS; i++) {
        gs_job_info info = GS_JOB_INFO_INIT;
        char why[256];
        if (gs_sched_job_info(s, jobs[i].id, &info) == GS_OK &&
            info.state == GS_JOB_PENDING &&
            gs_sched_job_reason_text(s, jobs[i].id, why, sizeof why, NULL) ==
                GS_OK)
            printf("        %-8s waits: %s\n", jobs[i].name, why);
    }
}

int main(void)
{
    int rc = 1;
    gs_topo *topo = NULL;
    gs_sched *sched = NULL;

    /* 1. the cluster: frozen once loaded, shareable by threads */
    if (gs_topo_load_buffer(&topo, cluster_json, strlen(cluster_json),
                            "cluster.json", NULL) != GS_OK) {
        fprintf(stderr, "cluster: %s\n", gs_topo_errmsg(topo));
        goto out;
    }

    /* 2. the scheduler (nvlink-pack placement by default) and its policy */
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    if (gs_sched_create(&sched, topo, &cfg) != GS_OK ||
        gs_sched_configure(sched, config_json, strlen(config_json),
                           "config.json") != GS_OK) {
        fprintf(stderr, "scheduler: %s\n", gs_sched_errmsg(sched));
        goto out;
    }
    gs_sched_set_forget_hook(sched, job_forgotten, NULL);

    /* 3. the jobs, all submitted at t=0 */
    for (size_t i = 0; i < N_JOBS; i++) {
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.name = jobs[i].name;
        spec.user = jobs[i].user;
        spec.account = jobs[i].account;
        spec.gpus = jobs[i].gpus;
        spec.time_limit = jobs[i].limit;
        spec.cpus_per_gpu = 4; /* from each GPU's NUMA domain first */
        spec.submit_time = 0;
        if (gs_sched_submit(sched, &spec, &jobs[i].id) != GS_OK) {
            fprintf(stderr, "submit %s: %s\n", jobs[i].name,
                    gs_sched_errmsg(sched));
            goto out;
        }
    }

    /* 4. the loop: decide, launch, advance to the next end */
    int64_t now = 0;
    int failed_once = 0, repaired = 0;
    for (int round = 0; round < 100; round++) {
        if (gs_sched_step(sched, now, NULL) != GS_OK) {
            fprintf(stderr, "step: %s\n", gs_sched_errmsg(sched));
            goto out;
        }
        if (handle_events(sched, topo, now) != 0)
            goto out;
        print_waiting(sched);

        /* at t=600 a GPU of the first job fails: the job fails with it
         * (its other GPUs are freed; a GS_EVENT_FAILED event says so),
         * and the GPU stays out until repaired */
        if (!failed_once && now >= 600) {
            failed_once = 1;
            uint32_t gpu0 = gs_topo_node_first_gpu(topo, 0);
            if (gs_sched_fail_gpu(sched, gpu0, now, NULL) != GS_OK)
                goto out;
            printf("t=%5lld GPU %u failed\n", (long long)now, gpu0);
            if (handle_events(sched, topo, now) != 0)
                goto out;
            continue; /* decide again at the same time */
        }

        /* the next job to finish */
        int64_t next = -1;
        for (size_t i = 0; i < N_JOBS; i++)
            if (jobs[i].end >= 0 && (next < 0 || jobs[i].end < next))
                next = jobs[i].end;
        if (next < 0)
            break; /* nothing runs: every job has ended */
        now = next;
        for (size_t i = 0; i < N_JOBS; i++)
            if (jobs[i].end == now) {
                if (gs_sched_complete(sched, jobs[i].id, now) != GS_OK)
                    goto out;
                printf("t=%5lld end   %s\n", (long long)now, jobs[i].name);
                jobs[i].end = -2; /* done */
            }
        if (now >= 1800 && !repaired) { /* the GPU is back */
            if (gs_sched_repair_gpu(sched, gs_topo_node_first_gpu(topo, 0)) !=
                GS_OK)
                goto out;
            repaired = 1;
        }
    }

    /* 5. every job completed (the ones the scheduler forgot said so to
     * the hook); usage has been charged to the accounts */
    int forgotten = 0;
    for (size_t i = 0; i < N_JOBS; i++) {
        gs_job_info info = GS_JOB_INFO_INIT;
        gs_job_state state = jobs[i].final_state;
        if (!jobs[i].forgotten) {
            if (gs_sched_job_info(sched, jobs[i].id, &info) != GS_OK)
                state = GS_JOB_PENDING;
            else
                state = info.state;
        }
        forgotten += jobs[i].forgotten;
        if (state != GS_JOB_COMPLETED) {
            fprintf(stderr, "%s did not complete\n", jobs[i].name);
            goto out;
        }
    }
    gs_share *share = gs_sched_share(sched);
    if (gs_sched_update_usage(sched, now) != GS_OK ||
        gs_share_compute(share, GS_FAIRSHARE_FAIR_TREE, (double)now) != GS_OK)
        goto out;
    printf("fair share at t=%lld (users, by their usage against their "
           "account's shares):\n",
           (long long)now);
    for (size_t i = 0; i < gs_share_row_count(share); i++) {
        gs_share_row row = GS_SHARE_ROW_INIT;
        if (gs_share_row_get(share, i, &row) == GS_OK && row.user)
            printf("  %-6s in %-7s usage %9.0f GPU-s  factor %.3f\n",
                   row.user, row.account, row.raw_usage, row.factor);
    }
    rc = gs_sched_check(sched) == GS_OK && failed_once && repaired &&
                 forgotten > 0
             ? 0
             : 1;
out:
    gs_sched_destroy(sched);
    gs_topo_destroy(topo);
    return rc;
}
