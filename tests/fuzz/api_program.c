/*
 * A byte string read as a program of scheduler API calls: which topology,
 * configuration and retention of ended jobs, then submit, preview, step
 * (and taking some of the queued events), complete, fail, cancel, drain,
 * resume, GPU failure and repair, limits, weights, configuration
 * documents and every query, with arguments taken from the bytes (extreme
 * values included, and times earlier than the scheduler's clock, which it
 * refuses). After every call the scheduler's invariants must hold
 * (gs_sched_check), a failed call must explain itself, every job the
 * scheduler forgets must have ended, and nothing may crash, leak or trip a
 * sanitizer.
 *
 * The libFuzzer target fuzz_api runs it on the fuzzer's inputs; the unit
 * test test_api_sequences runs it on random programs from a fixed seed.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "api_program.h"

#include <gpusched/gpusched.h>

#include "membuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
    const uint8_t *p;
    size_t n, i;
} reader;

static unsigned byte(reader *r)
{
    return r->i < r->n ? r->p[r->i++] : 0;
}

static uint32_t u32(reader *r)
{
    uint32_t v = 0;
    for (int k = 0; k < 4; k++)
        v = v << 8 | byte(r);
    return v;
}

/* A small number most of the time, an extreme one sometimes. */
static uint32_t small(reader *r, uint32_t mod)
{
    unsigned b = byte(r);
    if (b == 255)
        return u32(r);
    return mod ? b % mod : b;
}

static int64_t time_arg(reader *r, int64_t now)
{
    unsigned b = byte(r);
    switch (b) {
    case 250: return INT64_MAX;
    case 251: return INT64_MIN;
    case 252: return GS_TIME_MAX;
    case 253: return -GS_TIME_MAX;
    case 254: return now - (int64_t)small(r, 0);
    default: return now;
    }
}

static double double_arg(reader *r)
{
    static const double special[] = {0.0, 1.0, 0.5, 1e15, 1e16, -1.0,
                                     1e308, 1e-300};
    unsigned b = byte(r);
    if (b < 8)
        return special[b];
    if (b == 8)
        return NAN;
    if (b == 9)
        return INFINITY;
    return (double)(b - 10) / 8.0;
}

static const char *const topologies[] = {
    "dgx1-v100",
    "dgx-h100",
    "pcie-8gpu",
    "workstation-2gpu-nvlink",
    /* several nodes: a switch tree, mixed models, CPUs and memory */
    "{\"nodes\": [{\"name\": \"h[1-4]\", \"template\": \"dgx-h100\", "
    "\"racks\": {\"size\": 2, \"prefix\": \"leaf\", \"parent\": \"spine\"},"
    " \"features\": [\"ib\", \"h100\"], \"weight\": 5},"
    " {\"name\": \"v[1-2]\", \"template\": \"dgx1-v100\", "
    "\"features\": [\"v100\"]},"
    " {\"name\": \"p1\", \"template\": \"pcie-8gpu\", "
    "\"features\": [\"ib\"], \"weight\": 0}]}",
    "gb200-nvl72",
};

static const char *const policies[] = {"nvlink-pack", "first-fit",
                                       "best-fit",    "spread",
                                       "frag-aware",  "fgd"};
static const char *const users[] = {"u1", "u2", "u3", NULL, "bad user"};
static const char *const accounts[] = {"a", "b", NULL, "c", "root"};
static const char *const models[] = {NULL, "H100", "V100,A100", "nope",
                                     ",", ""};
static const char *const part_lists[] = {NULL, "p0", "p1", "p0,p1", "p2",
                                         "nope", "p1,p0,p2", ""};
static const char *const constraints[] = {NULL, "ib", "ib&h100", "v100|ib",
                                          "(ib|v100)&h100", "x", "ib&",
                                          "((ib)"};
static const char *const configs[] = {
    "{\"accounts\": [{\"name\": \"a\", \"shares\": 3}, {\"name\": \"b\"}],"
    " \"users\": [{\"name\": \"u1\", \"account\": \"a\"}]}",
    "{\"backfill\": {\"mode\": \"easy\", \"depth\": 5, \"interval\": 7}}",
    "{\"backfill\": \"conservative\", \"preemption\": \"requeue\"}",
    "{\"ordering\": \"fifo\", \"preemption\": \"cancel\"}",
    "{\"ordering\": \"priority\", \"fairshare\": \"classic\"}",
    "{\"limits\": {\"default_user\": 6, \"accounts\": {\"a\": 3}}}",
    "{\"usage_weights\": {\"gpu\": 1e15, \"models\": {\"H100\": 2}}}",
    "{\"usage_weights\": {\"gpu\": 1e308}}",
    "{\"half_life\": 0, \"priority_weights\": {\"calc_period\": 0}}",
    "{\"limits\": {\"default_user\": 4294967297}}",
    "{\"accounts\": [{\"name\": \"x\", \"parent\": \"y\"}, "
    "{\"name\": \"y\", \"parent\": \"x\"}]}",
};

#define FAIL(...)                                                           \
    do {                                                                    \
        fprintf(stderr, "api program: " __VA_ARGS__);                       \
        fprintf(stderr, "\n");                                              \
        abort();                                                            \
    } while (0)

/* Errors that must come with a message: the others (a bad argument such
 * as a NULL or an unknown id, a state, memory, a small buffer) are
 * self-explaining from the status alone. */
static void check(gs_sched *s, const char *op, gs_status st)
{
    if ((st == GS_EPARSE || st == GS_ERANGE || st == GS_ENORES) &&
        !gs_sched_errmsg(s)[0])
        FAIL("%s returned %s without a message", op, gs_status_name(st));
    gs_status c = gs_sched_check(s);
    if (c != GS_OK)
        FAIL("after %s (%s): %s", op, gs_status_name(st), gs_sched_errmsg(s));
}

/* Retention of ended jobs, chosen by the top bits of the second
 * configuration byte (keep_seconds, keep_count). */
static const int64_t retentions[8][2] = {
    {300, 10000}, /* the defaults */
    {0, 0},
    {10, 3},
    {GS_KEEP_FOREVER, 1},
    {60, GS_KEEP_FOREVER},
    {GS_KEEP_FOREVER, GS_KEEP_FOREVER},
    {300, 10000},
    {0, GS_KEEP_FOREVER},
};

/* The forget hook: only an ended job is forgotten, and it can still be
 * queried during the call. */
static void on_forget(void *user_data, const gs_sched *s,
                      const gs_job_info *info)
{
    uint64_t *forgotten = user_data;
    gs_job_info again;
    memset(&again, 0, sizeof again);
    again.struct_size = sizeof again;
    if (info->state < GS_JOB_COMPLETED || info->end_time < 0 ||
        (info->start_time >= 0 && info->end_time < info->start_time))
        FAIL("job %llu forgotten as %s, %lld-%lld",
             (unsigned long long)info->id, gs_job_state_name(info->state),
             (long long)info->start_time, (long long)info->end_time);
    if (gs_sched_job_info(s, info->id, &again) != GS_OK ||
        again.state != info->state)
        FAIL("job %llu cannot be queried in the forget hook",
             (unsigned long long)info->id);
    (*forgotten)++;
}

static void fill_spec(reader *r, gs_job_spec *spec, uint32_t *req,
                      const char **uuids, uint32_t n_gpus, uint64_t n_jobs,
                      int64_t now)
{
    gs_job_spec_init(spec);
    spec->gpus = small(r, 18);
    unsigned f = byte(r);
    if (f & 1)
        spec->gpus_per_node = small(r, 9);
    if (f & 2) {
        spec->min_nodes = small(r, 4);
        spec->max_nodes = small(r, 5);
    }
    if (f & 4)
        spec->cpus_per_gpu = small(r, 40);
    if (f & 8)
        spec->mem_per_gpu = (uint64_t)small(r, 0) << 32;
    if (f & 16)
        spec->gpu_models = models[byte(r) % 6];
    if (f & 32) {
        size_t k = byte(r) % 4;
        for (size_t i = 0; i < k; i++)
            req[i] = n_gpus ? small(r, n_gpus + 1) : 0;
        spec->require_gpus = req;
        spec->n_require_gpus = byte(r) == 255 ? SIZE_MAX : k;
    }
    if (f & 64) {
        uuids[0] = "GPU-none";
        uuids[1] = NULL;
        spec->require_uuids = uuids;
        spec->n_require_uuids = byte(r) % 3;
    }
    spec->exclusive = (f >> 7) & 1;
    unsigned g = byte(r);
    spec->one_nvlink_domain = g & 1;
    spec->comm = (g >> 1) & 1 ? GS_COMM_INSENSITIVE : GS_COMM_BANDWIDTH;
    if (g == 255)
        spec->comm = (gs_comm_hint)7;
    spec->user = users[byte(r) % 5];
    spec->account = accounts[byte(r) % 5];
    spec->priority = (int64_t)small(r, 100) - 10;
    spec->time_limit = (g & 4) ? (int64_t)small(r, 0) * 60 : 0;
    if (g == 254)
        spec->time_limit = INT64_MAX;
    spec->submit_time = time_arg(r, now);
    spec->nice = (g & 8) ? (int64_t)small(r, 0) - 100 : 0;
    spec->preemptible = (g >> 4) & 1;
    spec->depends_on = (g & 32) ? byte(r) % (n_jobs + 2) : 0;
    unsigned h = byte(r);
    spec->partition = part_lists[h % 8];
    spec->constraint = constraints[(h >> 3) % 8];
    spec->allow_split = (h >> 6) & 1;
    spec->any_model = (h >> 7) & 1;
    spec->pattern = (gs_comm_pattern)((g >> 5) % GS_PATTERN_COUNT);
    if (g == 253)
        spec->pattern = (gs_comm_pattern)GS_PATTERN_COUNT; /* refused */
    /* a share of each GPU (1001 and more are refused), device memory */
    unsigned m = byte(r);
    if (m & 1) {
        spec->gpu_milli = m == 255 ? 1001 + small(r, 0) : 1 + small(r, 1000);
        if (spec->gpu_milli < 1000 && (m & 2))
            spec->gpus = 1;
    }
    if (m & 4)
        spec->gpu_mem = (uint64_t)small(r, 0) << 28;
}

/* s saved and restored on t (NULL when memory ran out: s goes on); the
 * restored scheduler must save to the same bytes. */
static gs_sched *save_and_restore(gs_sched *s, const gs_topo *t)
{
    membuf a = {0}, b = {0};
    gs_status st = gs_sched_save(s, membuf_write, &a);
    check(s, "save", st == GS_ENOMEM ? GS_OK : st);
    if (st != GS_OK) {
        if (st != GS_ENOMEM)
            FAIL("save: %s", gs_sched_errmsg(s));
        free(a.p);
        return NULL;
    }
    gs_sched *q = NULL;
    st = gs_sched_restore_buffer(&q, t, NULL, a.p, a.n);
    if (st != GS_OK) {
        if (st != GS_ENOMEM)
            FAIL("restore of a saved state: %s", gs_sched_errmsg(q));
        gs_sched_destroy(q);
        free(a.p);
        return NULL;
    }
    check(q, "restore", GS_OK);
    st = gs_sched_save(q, membuf_write, &b);
    if (st == GS_OK && (a.n != b.n || memcmp(a.p, b.p, a.n) != 0))
        FAIL("save, restore, save: the bytes differ");
    free(a.p);
    free(b.p);
    if (st != GS_OK && st != GS_ENOMEM)
        FAIL("save after restore: %s", gs_sched_errmsg(q));
    return q;
}

void gs_api_program_run(const uint8_t *data, size_t size)
{
    reader r = {data, size, 0};
    const char *src = topologies[byte(&r) % (sizeof topologies /
                                             sizeof topologies[0])];
    gs_topo *t = NULL;
    gs_status st = src[0] == '{'
                       ? gs_topo_load_buffer(&t, src, strlen(src), "fuzz",
                                             NULL)
                       : gs_topo_load(&t, src, NULL);
    if (st != GS_OK) {
        if (st == GS_ENOMEM) {
            gs_topo_destroy(t);
            return;
        }
        FAIL("topology %s: %s", src, gs_topo_errmsg(t));
    }
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    unsigned c = byte(&r);
    cfg.placement = policies[c % 6];
    cfg.ordering = (gs_ordering)((c >> 2) % 3);
    cfg.fairshare = (gs_fairshare_algo)((c >> 4) & 1);
    cfg.backfill = (gs_backfill)((c >> 5) % 3);
    c = byte(&r);
    cfg.preempt = (gs_preempt_mode)(c % 3);
    cfg.backfill_depth = (c >> 2) % 8;
    gs_sched *s = NULL;
    st = gs_sched_create(&s, t, &cfg);
    if (st != GS_OK) {
        if (st != GS_ENOMEM)
            FAIL("create: %s", gs_sched_errmsg(s));
        gs_sched_destroy(s);
        gs_topo_destroy(t);
        return;
    }
    /* quiet steps (they decide the same: checked by tests/test_quiet.c) */
    if ((cfg.backfill_depth ^ cfg.preempt) & 1)
        check(s, "quiet steps", gs_sched_set_quiet_steps(s, 1));
    /* 0 to 3 partitions over parts of the cluster */
    c = byte(&r);
    for (unsigned p = 0; p < c % 4; p++) {
        static const char *const pnodes[] = {NULL, "h[1-2]", "v1,p1",
                                             "h[3-4],v2", "n9"};
        char name[8];
        snprintf(name, sizeof name, "p%u", p);
        gs_partition_spec ps = GS_PARTITION_SPEC_INIT;
        ps.name = name;
        ps.nodes = pnodes[byte(&r) % 5];
        ps.is_default = byte(&r) % 3 == 0;
        ps.max_gpus_per_job = small(&r, 12);
        ps.max_gpus_per_user = small(&r, 20);
        ps.default_time = (int64_t)small(&r, 5) * 60;
        ps.max_time = (int64_t)small(&r, 5) * 600;
        ps.priority_tier = small(&r, 3);
        ps.preempts = byte(&r) % 2 ? "p0" : NULL;
        ps.def_cpus_per_gpu = small(&r, 6);
        check(s, "add_partition", gs_sched_add_partition(s, &ps));
    }
    if (byte(&r) % 2)
        check(s, "job defaults", gs_sched_set_job_defaults(s, small(&r, 5),
                                                           0));
    if (byte(&r) % 2)
        check(s, "auto accounts", gs_sched_set_auto_accounts(s, 1));
    check(s, "grace", gs_sched_set_timeout_grace(s, (int64_t)small(&r, 0)));
    uint64_t forgotten = 0;
    const int64_t *keep = retentions[c >> 5];
    check(s, "retention", gs_sched_set_retention(s, keep[0], keep[1]));
    check(s, "forget hook", gs_sched_set_forget_hook(s, on_forget,
                                                     &forgotten));
    uint32_t n_gpus = gs_topo_gpu_count(t), n_nodes = gs_topo_node_count(t);
    /* the program's time: never behind the scheduler's clock (a time
     * taken as it is, 2^60 included, moves it) */
    int64_t now = 0;
    uint64_t last_id = 0; /* ids are never reused, forgotten or not */
    char buf[512];
    uint32_t out[128];
    for (int steps = 0; steps < 400 && r.i < r.n; steps++) {
        int64_t clock = gs_sched_clock(s);
        if (clock != INT64_MIN && clock > now)
            now = clock;
        if ((uint64_t)gs_sched_job_count(s) + forgotten != last_id)
            FAIL("%zu jobs held and %llu forgotten, but %llu submitted",
                 gs_sched_job_count(s), (unsigned long long)forgotten,
                 (unsigned long long)last_id);
        unsigned op = byte(&r) % 25;
        uint64_t nj = last_id;
        uint64_t job = nj ? (uint64_t)(byte(&r) % (nj + 2)) : byte(&r) % 3;
        switch (op) {
        case 0:
        case 1:
        case 2: {
            gs_job_spec spec;
            uint32_t req[4];
            const char *uuids[2];
            fill_spec(&r, &spec, req, uuids, n_gpus, nj, now);
            uint64_t id = 0;
            st = gs_sched_submit(s, &spec, &id);
            check(s, "submit", st);
            if (st == GS_OK)
                last_id = id;
            break;
        }
        case 3: {
            gs_job_spec spec;
            uint32_t req[4];
            const char *uuids[2];
            fill_spec(&r, &spec, req, uuids, n_gpus, nj, now);
            size_t n = 0;
            size_t cap = byte(&r) % 2 ? 128 : byte(&r) % 4;
            check(s, "preview", gs_sched_preview(s, &spec, out, cap, &n));
            break;
        }
        case 4:
        case 5: {
            int64_t ticks = (int64_t)small(&r, 0);
            now = now > GS_TIME_MAX - ticks * 7 ? GS_TIME_MAX
                                                : now + ticks * 7;
            int64_t at = time_arg(&r, now);
            size_t started = 0;
            check(s, "step", gs_sched_step(s, at, &started));
            size_t ne = gs_sched_event_count(s);
            for (size_t i = 0; i <= ne; i++) {
                gs_event ev = {sizeof ev, 0, 0, 0};
                gs_sched_event(s, i, &ev);
                if (i < ne && !ev.job)
                    FAIL("event %zu of %zu names no job", i, ne);
            }
            /* the host takes some of them (0 to all, or one too many,
             * which is refused); the rest stay queued and keep their
             * jobs */
            size_t take = (size_t)ticks % (ne + 2);
            if (take == 1) {
                gs_event ev = {sizeof ev, 0, 0, 0};
                st = gs_sched_next_event(s, &ev);
                if (st != GS_OK && !(st == GS_ENOTFOUND && ne == 0))
                    FAIL("next_event: %s (%zu queued)", gs_status_name(st),
                         ne);
                check(s, "next_event", st);
            } else {
                st = gs_sched_events_consume(s, take);
                if ((st == GS_OK) != (take <= ne))
                    FAIL("consume %zu of %zu: %s", take, ne,
                         gs_status_name(st));
                check(s, "consume", st);
            }
            break;
        }
        case 6:
            check(s, "complete", gs_sched_complete(s, job, time_arg(&r, now)));
            break;
        case 7:
            check(s, "fail", gs_sched_fail(s, job, time_arg(&r, now)));
            break;
        case 8:
            check(s, "cancel", gs_sched_cancel(s, job, time_arg(&r, now)));
            break;
        case 9: {
            uint32_t node = small(&r, n_nodes + 1);
            check(s, "drain_node",
                  byte(&r) & 1 ? gs_sched_drain_node(s, node)
                               : gs_sched_resume_node(s, node));
            break;
        }
        case 10: {
            uint32_t g = small(&r, n_gpus + 1);
            unsigned k = byte(&r) % 4;
            uint64_t failed = 0;
            st = k == 0   ? gs_sched_drain_gpu(s, g)
                 : k == 1 ? gs_sched_resume_gpu(s, g)
                 : k == 2 ? gs_sched_fail_gpu(s, g, time_arg(&r, now), &failed)
                          : gs_sched_repair_gpu(s, g);
            check(s, "gpu", st);
            break;
        }
        case 11: {
            const char *cfgtext =
                configs[byte(&r) % (sizeof configs / sizeof configs[0])];
            check(s, "configure",
                  gs_sched_configure(s, cfgtext, strlen(cfgtext), "cfg"));
            break;
        }
        case 12:
            check(s, "limit",
                  gs_sched_set_limit(s, (gs_limit_kind)(byte(&r) % 3),
                                     byte(&r) % 2 ? users[byte(&r) % 5]
                                                  : accounts[byte(&r) % 5],
                                     small(&r, 10)));
            break;
        case 13: {
            gs_priority_weights w;
            gs_priority_weights_init(&w);
            w.age = double_arg(&r);
            w.fairshare = double_arg(&r);
            w.calc_period = (int64_t)small(&r, 0);
            if (byte(&r) == 7)
                w.max_age = INT64_MAX;
            check(s, "weights", gs_sched_set_priority_weights(s, &w));
            break;
        }
        case 14:
            check(s, "usage_weights",
                  gs_sched_set_usage_weights(s, double_arg(&r), double_arg(&r),
                                             double_arg(&r)));
            break;
        case 15:
            check(s, "update_usage",
                  gs_sched_update_usage(s, time_arg(&r, now)));
            break;
        case 16: {
            gs_job_info info;
            memset(&info, 0, sizeof info);
            info.struct_size = sizeof info;
            gs_sched_job_info(s, job, &info);
            gs_sched_job_reason_text(s, job, buf, byte(&r) % 2 ? 8 : sizeof buf,
                                     NULL);
            gs_priority_breakdown br;
            memset(&br, 0, sizeof br);
            br.struct_size = sizeof br;
            if (gs_sched_job_priority(s, job, &br) == GS_OK &&
                br.total != br.total)
                FAIL("job %llu: priority is NaN", (unsigned long long)job);
            check(s, "job queries", GS_OK);
            break;
        }
        case 17: {
            uint32_t na = gs_sched_alloc_node_count(s, job);
            gs_job_info ji;
            memset(&ji, 0, sizeof ji);
            ji.struct_size = sizeof ji;
            /* a CPU-only job (gpus 0) holds no GPU on its node */
            int cpu_only = gs_sched_job_info(s, job, &ji) == GS_OK &&
                            ji.gpus == 0;
            for (uint32_t k = 0; k <= na; k++) {
                gs_alloc_node an = {sizeof an, 0, 0, 0, 0};
                size_t n = 0;
                if (gs_sched_alloc_node(s, job, k, &an) == GS_OK) {
                    gs_sched_cuda_visible_devices(s, job, k, byte(&r) & 1,
                                                  buf, sizeof buf, NULL);
                    gs_sched_alloc_cpus(s, job, k, buf, sizeof buf, NULL);
                }
                gs_alloc_entry e;
                gs_alloc_entry_init(&e);
                size_t cap = byte(&r) % 2 ? sizeof buf : byte(&r) % 64;
                if (gs_sched_alloc_entry(s, job, k, &e, buf, cap) == GS_OK &&
                    ((e.n_gpus == 0) != (cpu_only != 0) || e.n_gpus > 64 ||
                     !e.node_name ||
                     strlen(e.cuda_visible_devices) + 1 > cap))
                    FAIL("job %llu: a bad allocation entry",
                         (unsigned long long)job);
                gs_sched_alloc_gpus(s, job, k, out, byte(&r) % 2 ? 128 : 1,
                                    &n);
            }
            check(s, "alloc queries", GS_OK);
            break;
        }
        case 18: {
            gs_share *sh = gs_sched_share(s);
            double f = gs_share_factor(sh, users[byte(&r) % 5],
                                       accounts[byte(&r) % 5]);
            if (f != f)
                FAIL("a fair-share factor is NaN");
            for (size_t i = 0; i < gs_share_row_count(sh); i++) {
                gs_share_row row;
                memset(&row, 0, sizeof row);
                row.struct_size = sizeof row;
                gs_share_row_get(sh, i, &row);
                if (row.factor != row.factor)
                    FAIL("a fair-share row's factor is NaN");
            }
            break;
        }
        case 20:
            check(s, byte(&r) & 1 ? "hold" : "release",
                  byte(&r) & 1 ? gs_sched_hold(s, job)
                               : gs_sched_release(s, job));
            break;
        case 21: {
            gs_job_update u = GS_JOB_UPDATE_INIT;
            u.fields = byte(&r) % 64;
            u.priority = (int64_t)small(&r, 100);
            u.time_limit = byte(&r) == 3 ? -1 : (int64_t)small(&r, 0) * 60;
            u.gpus = small(&r, 18);
            u.partition = part_lists[byte(&r) % 8];
            u.constraint = constraints[byte(&r) % 8];
            check(s, "update_job", gs_sched_update_job(s, job, &u));
            break;
        }
        case 22:
            check(s, "timeout", gs_sched_timeout(s, job, time_arg(&r, now)));
            break;
        case 24: {
            /* nvlink-pack's tie-breaks: NUMA mode (3 is refused), the
             * look-ahead, a demand (sometimes out of range) */
            unsigned k = byte(&r);
            if (k % 3 == 0) {
                check(s, "numa_mode",
                      gs_sched_set_numa_mode(s, (gs_numa_mode)(k / 3 % 4)));
            } else if (k % 3 == 1) {
                check(s, "lookahead", gs_sched_set_lookahead(s, (int)(k / 3 % 4)));
            } else if (k % 7 == 0) {
                /* the fragmentation mix (sometimes out of range) */
                gs_frag_class fc[GS_MAX_FRAG_CLASSES + 1];
                size_t n = byte(&r) % 6;
                if (n == 5)
                    n = GS_MAX_FRAG_CLASSES + 1;
                for (size_t i = 0; i < n; i++) {
                    fc[i].gpus = small(&r, 9);
                    fc[i].gpu_milli = small(&r, 1002);
                    fc[i].cpus = small(&r, 40);
                    fc[i].mem = (uint64_t)small(&r, 0) << 30;
                    unsigned w = byte(&r);
                    fc[i].weight = w == 255 ? -1.0 : 0.5 + w % 7;
                }
                check(s, "frag_classes", gs_sched_set_frag_classes(s, fc, n));
                gs_sched_frag_classes(s, fc, GS_MAX_FRAG_CLASSES);
                double f;
                gs_sched_fragmentation(s, &f);
                uint32_t gm = 0, gj = 0;
                uint64_t gb = 0;
                gs_sched_gpu_share(s, small(&r, n_gpus + 2), &gm, &gb, &gj);
            } else {
                gs_demand_entry d[GS_MAX_DEMAND + 1];
                size_t n = byte(&r) % (GS_MAX_DEMAND + 2);
                for (size_t i = 0; i < n; i++) {
                    d[i].gpus = small(&r, 20);
                    d[i].pattern = (gs_comm_pattern)(byte(&r) % 6);
                    unsigned w = byte(&r);
                    d[i].weight = w == 255 ? -1.0 : 0.5 + w % 7;
                }
                check(s, "demand", gs_sched_set_demand(s, d, n));
                gs_sched_demand(s, d, GS_MAX_DEMAND);
            }
            break;
        }
        case 23: {
            gs_partition_info pi = GS_PARTITION_INFO_INIT;
            uint32_t np = gs_sched_partition_count(s);
            for (uint32_t p = 0; p <= np; p++) {
                gs_sched_partition_info(s, p, &pi);
                gs_sched_node_in_partition(s, small(&r, n_nodes + 1), p);
            }
            gs_sched_job_partition(s, job);
            gs_sched_job_partitions(s, job, buf, byte(&r) % 2 ? 4 : sizeof buf,
                                    NULL);
            check(s, "partition queries", GS_OK);
            break;
        }
        default: {
            if (byte(&r) % 4 == 0) {
                /* a restart: the scheduler saved and restored, which must
                 * give back the same bytes and go on from there */
                gs_sched *q = save_and_restore(s, t);
                if (q) {
                    gs_sched_destroy(s);
                    s = q;
                    check(s, "forget hook",
                          gs_sched_set_forget_hook(s, on_forget, &forgotten));
                }
                break;
            }
            uint32_t node = small(&r, n_nodes + 1);
            gs_sched_node_free_gpus(s, node);
            gs_sched_node_free_cpus(s, node);
            gs_sched_node_free_memory(s, node);
            gs_sched_gpu_job(s, small(&r, n_gpus + 1));
            gs_sched_free_gpus(s);
            break;
        }
        }
    }
    gs_sched_destroy(s);
    gs_topo_destroy(t);
}
