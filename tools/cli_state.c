/*
 * gpusched state show: a scheduler snapshot (gs_sched_save, the file a
 * durable scheduler keeps) as a person reads it, or as JSON.
 *
 *   gpusched state show FILE [--topo SRC] [--json] [--out FILE]
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { STATE_FILE, STATE_JOBS };

static const cli_option show_options[] = {
    {STATE_FILE, "--file", NULL, "FILE", NULL,
     "the snapshot (a durable scheduler's PATH, not PATH.journal), or - for "
     "standard input",
     CLI_REQUIRED | CLI_INPUT},
    CLI_OPTION_TOPO("the snapshot's own nodes",
                    0),
    {STATE_JOBS, "--jobs", NULL, "N", "all",
     "list only the N most recent jobs (jobs are listed by id)",
     0},
    CLI_OPTION_JSON("write one JSON document: {\"format\", \"calls\", "
                    "\"clock\", \"ordering\", \"partitions\": [...], "
                    "\"nodes\": [...], \"jobs\": "
                    "[...], \"jobs_left_out\", \"usage\": [...], "
                    "\"events\": [...]} (docs/cli.md)"),
    CLI_OPTION_OUT,
    {.name = NULL}};

static const int show_positional[] = {STATE_FILE, -1};

static const char *kind_name(gs_event_kind k)
{
    switch (k) {
    case GS_EVENT_STARTED: return "started";
    case GS_EVENT_FAILED: return "failed";
    case GS_EVENT_PREEMPTED: return "preempted";
    case GS_EVENT_REQUEUED: return "requeued";
    default: return "?";
    }
}

/* The GPUs of a job on each node, as "node:0,1,2" ("node (8 CPUs)" for a
 * CPU-only job). */
static void gpus_text(FILE *f, gs_sched *s, uint64_t job, bool json)
{
    uint32_t n = gs_sched_alloc_node_count(s, job);
    const gs_topo *t = gs_sched_topo(s);
    if (json)
        fputs("[", f);
    for (uint32_t k = 0; k < n; k++) {
        gs_alloc_node an = GS_ALLOC_NODE_INIT;
        uint32_t g[64];
        size_t cnt = 0;
        if (gs_sched_alloc_node(s, job, k, &an) != GS_OK ||
            gs_sched_alloc_gpus(s, job, k, g, 64, &cnt) != GS_OK)
            continue;
        if (json) {
            fprintf(f, "%s{\"node\": ", k ? ", " : "");
            cli_json_string(f, gs_topo_node_name(t, an.node));
            fputs(", \"gpus\": [", f);
            for (size_t i = 0; i < cnt; i++)
                fprintf(f, "%s%u", i ? ", " : "", g[i]);
            fprintf(f, "], \"cpus\": %u, \"memory\": %" PRIu64 "}", an.cpus,
                    an.memory);
        } else if (!cnt) {
            /* a CPU-only job: its node and CPUs */
            fprintf(f, "%s%s (%u CPU%s)", k ? " " : "",
                    gs_topo_node_name(t, an.node), an.cpus,
                    an.cpus == 1 ? "" : "s");
        } else {
            fprintf(f, "%s%s:", k ? " " : "", gs_topo_node_name(t, an.node));
            for (size_t i = 0; i < cnt; i++)
                fprintf(f, "%s%u", i ? "," : "", g[i]);
        }
    }
    if (json)
        fputs("]", f);
}

/* Where a running job is, or why a pending one waits. */
static void where_text(FILE *f, gs_sched *s, const gs_job_info *ji,
                       bool json)
{
    if (ji->state == GS_JOB_PENDING) {
        char why[256];
        size_t n = 0;
        if (gs_sched_job_reason_text(s, ji->id, why, sizeof why, &n) != GS_OK)
            snprintf(why, sizeof why, "%s", gs_pending_reason_name(ji->reason));
        if (json)
            cli_json_string(f, why);
        else
            fputs(why[0] ? why : gs_pending_reason_name(ji->reason), f);
    } else if (ji->nodes) {
        gpus_text(f, s, ji->id, json);
    } else {
        fputs(json ? "null" : "-", f);
    }
}

static void print_text(FILE *f, gs_sched *s, uint64_t max_jobs)
{
    const gs_topo *t = gs_sched_topo(s);
    int64_t clock = gs_sched_clock(s);
    fprintf(f, "snapshot: %" PRIu64 " calls recorded; clock ",
            gs_sched_journal_seq(s));
    if (clock == INT64_MIN)
        fputs("not set", f);
    else
        fprintf(f, "%" PRId64, clock);
    fprintf(f, "; ordering %s\n", gs_sched_ordering(s));
    uint32_t np = gs_sched_partition_count(s);
    for (uint32_t p = 0; p < np; p++) {
        gs_partition_info pi = GS_PARTITION_INFO_INIT;
        if (gs_sched_partition_info(s, p, &pi) != GS_OK)
            continue;
        fprintf(f, "%s%s%s: %u nodes, %u GPUs, %u in use by %u jobs, tier %u",
                p ? "; " : "partitions: ", pi.name,
                pi.is_default ? " (default)" : "", pi.nodes, pi.gpus,
                pi.gpus_in_use, pi.running, pi.priority_tier);
        if (p + 1 == np)
            fputc('\n', f);
    }
    /* nodes */
    uint32_t nn = gs_topo_node_count(t);
    fprintf(f, "\nnodes: %u, GPUs %u (%u free)\n", nn, gs_topo_gpu_count(t),
            gs_sched_free_gpus(s));
    fprintf(f, "  %-20s %5s %5s %6s  %s\n", "NODE", "GPUS", "FREE",
            "CPUS", "HELD BY");
    for (uint32_t n = 0; n < nn; n++) {
        uint32_t first = gs_topo_node_first_gpu(t, n);
        uint32_t ng = gs_topo_node_gpu_count(t, n);
        fprintf(f, "  %-20s %5u %5u %6u  ", gs_topo_node_name(t, n), ng,
                gs_sched_node_free_gpus(s, n), gs_sched_node_free_cpus(s, n));
        /* each job once, in the order of its first GPU */
        uint64_t seen[64];
        uint32_t nseen = 0;
        for (uint32_t g = 0; g < ng; g++) {
            uint64_t j = gs_sched_gpu_job(s, first + g);
            bool dup = !j;
            for (uint32_t k = 0; k < nseen && !dup; k++)
                dup = seen[k] == j;
            if (dup || nseen == 64)
                continue;
            fprintf(f, "%sjob %" PRIu64, nseen ? ", " : "", j);
            seen[nseen++] = j;
        }
        fputs(nseen ? "\n" : "-\n", f);
    }
    /* jobs */
    size_t nj = gs_sched_job_count(s);
    fprintf(f, "\njobs: %zu held\n", nj);
    fprintf(f, "  %8s  %-9s %-12s %-10s %-10s %4s %10s %10s %10s  %s\n", "ID",
            "STATE", "NAME", "USER", "ACCOUNT", "GPUS", "SUBMIT", "START",
            "END", "WHERE / WHY WAITING");
    size_t from = max_jobs < nj ? nj - (size_t)max_jobs : 0;
    if (from)
        fprintf(f, "  (%zu earlier jobs left out: --jobs)\n", from);
    for (size_t i = from; i < nj; i++) {
        uint64_t id = gs_sched_job_at(s, i);
        gs_job_info ji = GS_JOB_INFO_INIT;
        if (gs_sched_job_info(s, id, &ji) != GS_OK)
            continue;
        fprintf(f, "  %8" PRIu64 "  %-9s %-12.12s %-10.10s %-10.10s %4u ",
                id, gs_job_state_name(ji.state), ji.name ? ji.name : "-",
                ji.user ? ji.user : "-", ji.account ? ji.account : "-",
                ji.gpus);
        fprintf(f, "%10" PRId64 " ", ji.submit_time);
        if (ji.start_time < 0)
            fprintf(f, "%10s ", "-");
        else
            fprintf(f, "%10" PRId64 " ", ji.start_time);
        if (ji.end_time < 0)
            fprintf(f, "%10s  ", "-");
        else
            fprintf(f, "%10" PRId64 "  ", ji.end_time);
        where_text(f, s, &ji, false);
        fputs("\n", f);
    }
    /* usage */
    gs_share *sh = gs_sched_share(s);
    size_t nr = gs_share_row_count(sh);
    fprintf(f, "\nusage (as of the last fair-share computation):\n");
    fprintf(f, "  %-24s %-12s %14s %10s\n", "ACCOUNT", "USER", "RAW USAGE",
            "FAIRSHARE");
    for (size_t i = 0; i < nr; i++) {
        gs_share_row r = GS_SHARE_ROW_INIT;
        if (gs_share_row_get(sh, i, &r) != GS_OK)
            continue;
        int indent = r.depth < 12 ? (int)r.depth : 12;
        fprintf(f, "  %*s%-*s %-12s %14.1f %10.6f\n", indent, "",
                24 - indent, r.account, r.user ? r.user : "", r.raw_usage,
                isnan(r.factor) ? 0.0 : r.factor);
    }
    /* events */
    size_t ne = gs_sched_event_count(s);
    fprintf(f, "\nevents not yet read: %zu\n", ne);
    for (size_t i = 0; i < ne; i++) {
        gs_event ev = GS_EVENT_INIT;
        if (gs_sched_event(s, i, &ev) == GS_OK)
            fprintf(f, "  %10" PRId64 "  job %" PRIu64 " %s\n", ev.time,
                    ev.job, kind_name(ev.kind));
    }
}

static void print_json(FILE *f, gs_sched *s, uint64_t max_jobs)
{
    const gs_topo *t = gs_sched_topo(s);
    int64_t clock = gs_sched_clock(s);
    fprintf(f, "{\"format\": %d, \"calls\": %" PRIu64 ", \"clock\": ",
            GS_STATE_FORMAT, gs_sched_journal_seq(s));
    if (clock == INT64_MIN)
        fputs("null", f);
    else
        fprintf(f, "%" PRId64, clock);
    fputs(", \"ordering\": ", f);
    cli_json_string(f, gs_sched_ordering(s));
    fputs(",\n \"partitions\": [", f);
    uint32_t np = gs_sched_partition_count(s);
    for (uint32_t p = 0; p < np; p++) {
        gs_partition_info pi = GS_PARTITION_INFO_INIT;
        if (gs_sched_partition_info(s, p, &pi) != GS_OK)
            continue;
        fputs(p ? ", {\"name\": " : "{\"name\": ", f);
        cli_json_string(f, pi.name);
        fprintf(f, ", \"default\": %s, \"nodes\": %u, \"gpus\": %u, "
                   "\"gpus_in_use\": %u, \"running\": %u, \"tier\": %u}",
                pi.is_default ? "true" : "false", pi.nodes, pi.gpus,
                pi.gpus_in_use, pi.running, pi.priority_tier);
    }
    fputs("]", f);
    fputs(",\n \"nodes\": [", f);
    uint32_t nn = gs_topo_node_count(t);
    for (uint32_t n = 0; n < nn; n++) {
        uint32_t first = gs_topo_node_first_gpu(t, n);
        uint32_t ng = gs_topo_node_gpu_count(t, n);
        fputs(n ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
        cli_json_string(f, gs_topo_node_name(t, n));
        fprintf(f, ", \"gpus\": %u, \"free_gpus\": %u, \"free_cpus\": %u, "
                   "\"free_memory\": %" PRIu64 ", \"gpu_jobs\": [",
                ng, gs_sched_node_free_gpus(s, n),
                gs_sched_node_free_cpus(s, n),
                gs_sched_node_free_memory(s, n));
        for (uint32_t g = 0; g < ng; g++) {
            uint64_t j = gs_sched_gpu_job(s, first + g);
            if (j)
                fprintf(f, "%s%" PRIu64, g ? ", " : "", j);
            else
                fprintf(f, "%snull", g ? ", " : "");
        }
        fputs("]}", f);
    }
    fputs("],\n \"jobs\": [", f);
    size_t nj = gs_sched_job_count(s);
    size_t from = max_jobs < nj ? nj - (size_t)max_jobs : 0;
    for (size_t i = from; i < nj; i++) {
        uint64_t id = gs_sched_job_at(s, i);
        gs_job_info ji = GS_JOB_INFO_INIT;
        if (gs_sched_job_info(s, id, &ji) != GS_OK)
            continue;
        fprintf(f, "%s\n  {\"id\": %" PRIu64 ", \"state\": \"%s\", "
                   "\"name\": ",
                i > from ? "," : "", id, gs_job_state_name(ji.state));
        if (ji.name)
            cli_json_string(f, ji.name);
        else
            fputs("null", f);
        fputs(", \"user\": ", f);
        if (ji.user)
            cli_json_string(f, ji.user);
        else
            fputs("null", f);
        fputs(", \"account\": ", f);
        if (ji.account)
            cli_json_string(f, ji.account);
        else
            fputs("null", f);
        fprintf(f, ", \"gpus\": %u, \"submit_time\": %" PRId64
                   ", \"start_time\": ",
                ji.gpus, ji.submit_time);
        if (ji.start_time < 0)
            fputs("null", f);
        else
            fprintf(f, "%" PRId64, ji.start_time);
        fputs(", \"end_time\": ", f);
        if (ji.end_time < 0)
            fputs("null", f);
        else
            fprintf(f, "%" PRId64, ji.end_time);
        fprintf(f, ", \"priority\": %" PRId64 ", \"time_limit\": %" PRId64
                   ", \"requeues\": %u, \"partition\": ",
                ji.priority, ji.time_limit, ji.requeues);
        if (ji.partition)
            cli_json_string(f, ji.partition);
        else
            fputs("null", f);
        fprintf(f, ", \"held\": %s, \"timed_out\": %s, ",
                ji.held ? "true" : "false", ji.timed_out ? "true" : "false");
        if (ji.state == GS_JOB_PENDING) {
            fprintf(f, "\"reason\": \"%s\", \"why\": ",
                    gs_pending_reason_name(ji.reason));
            where_text(f, s, &ji, true);
        } else {
            fputs("\"allocation\": ", f);
            where_text(f, s, &ji, true);
        }
        fputs("}", f);
    }
    fprintf(f, "],\n \"jobs_left_out\": %zu,\n \"usage\": [", from);
    gs_share *sh = gs_sched_share(s);
    size_t nr = gs_share_row_count(sh);
    for (size_t i = 0; i < nr; i++) {
        gs_share_row r = GS_SHARE_ROW_INIT;
        if (gs_share_row_get(sh, i, &r) != GS_OK)
            continue;
        fputs(i ? ",\n  {\"account\": " : "\n  {\"account\": ", f);
        cli_json_string(f, r.account);
        fputs(", \"user\": ", f);
        if (r.user)
            cli_json_string(f, r.user);
        else
            fputs("null", f);
        fputs(", \"raw_usage\": ", f);
        cli_json_number(f, r.raw_usage);
        fputs(", \"fairshare\": ", f);
        cli_json_number(f, r.factor);
        fputs("}", f);
    }
    fputs("],\n \"events\": [", f);
    size_t ne = gs_sched_event_count(s);
    for (size_t i = 0; i < ne; i++) {
        gs_event ev = GS_EVENT_INIT;
        if (gs_sched_event(s, i, &ev) == GS_OK)
            fprintf(f, "%s{\"time\": %" PRId64 ", \"job\": %" PRIu64
                       ", \"kind\": \"%s\"}",
                    i ? ", " : "", ev.time, ev.job, kind_name(ev.kind));
    }
    fputs("]}\n", f);
}

static int state_show(cli_args *a)
{
    uint64_t max_jobs = UINT64_MAX;
    if (cli_given(a, STATE_JOBS) &&
        cli_parse_u64(a->val[STATE_JOBS], UINT64_MAX, &max_jobs) != 0)
        return cli_usage_error(a, "--jobs: '%s' is not a whole number",
                               a->val[STATE_JOBS]);
    gs_topo *t = NULL;
    if (cli_given(a, CLI_O_TOPO) && !(t = cli_load_topo(a, a->val[CLI_O_TOPO])))
        return CLI_FAIL;
    if (cli_open_output(a) != CLI_OK) {
        gs_topo_destroy(t);
        return CLI_FAIL;
    }
    size_t len = 0;
    const char *path = a->val[STATE_FILE];
    char *data = cli_read_input(a, path, &len);
    if (!data) {
        gs_topo_destroy(t);
        return cli_close_output(a, CLI_FAIL);
    }
    gs_restore_options o = GS_RESTORE_OPTIONS_INIT;
    o.name = strcmp(path, "-") ? path : "<stdin>";
    o.max_bytes = a->max_input;
    gs_sched *s = NULL;
    gs_status st = gs_sched_restore_buffer(&s, t, &o, data, len);
    free(data);
    int rc = CLI_OK;
    if (st != GS_OK) {
        rc = cli_fail(a, "%s", gs_sched_errmsg(s));
    } else if (cli_given(a, CLI_O_JSON)) {
        print_json(a->out, s, max_jobs);
    } else {
        print_text(a->out, s, max_jobs);
    }
    gs_sched_destroy(s);
    gs_topo_destroy(t);
    return cli_close_output(a, rc);
}

const cli_command cli_cmd_state = {
    .path = "state",
    .synopsis = "SUBCOMMAND [options]",
    .summary = "look at a scheduler's saved state",
    .description = "A scheduler's durable state: the snapshot that "
                   "gs_sched_save, gs_sched_checkpoint and the Python "
                   "Scheduler.save write (docs/formats.md).",
    .exit_status = "0 success, 1 failure, 2 bad arguments.",
    .examples = "gpusched state show /var/lib/rm/sched.gss",
};

const cli_command cli_cmd_state_show = {
    .path = "state show",
    .synopsis = "[--file] FILE [options]",
    .summary = "print a scheduler snapshot: nodes, jobs, usage, events",
    .description =
        "Print what a scheduler snapshot holds: the clock and the number of "
        "calls recorded, each node with its free GPUs and the jobs holding "
        "them, each job held (state, user, account, GPUs, times, where it "
        "runs or why it waits), the accounts' usage and fair share, and the "
        "events the host has not read yet. The snapshot is checked as a "
        "restore checks it (checksum, format, every field): a damaged file "
        "is an error naming the byte offset. Without --topo it is shown on "
        "the nodes it names (no links); with --topo, the topology must be "
        "the one it was saved on. A journal (FILE.journal) is not read: "
        "open the scheduler (gs_sched_open) to apply it.",
    .options = show_options,
    .groups = CLI_GROUP_TOPO | CLI_GROUP_INPUT,
    .positional = show_positional,
    .exit_status =
        "0 shown, 1 the snapshot cannot be read (damaged, newer format, "
        "another topology), 2 bad arguments.",
    .examples = "gpusched state show sched.gss\n"
                "gpusched state show sched.gss --json --out state.json\n"
                "gpusched state show sched.gss --topo cluster.json --jobs 50\n"
                "cat sched.gss | gpusched state show -",
    .run = state_show,
};
