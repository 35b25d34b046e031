/*
 * The journal: each call that changed a scheduler's state, appended to
 * PATH.journal once it succeeded, so that a crash between snapshots loses
 * nothing that was acknowledged. gs_sched_open restores PATH and replays
 * the records after it; gs_sched_checkpoint writes a new snapshot and
 * starts a new journal. The format is in docs/formats.md, the guarantees
 * in docs/state.md.
 *
 * A record is [u32 length][u32 CRC-32C of the length][u32 CRC-32C of the
 * payload][payload: seq, kind, arguments]. A crash can only leave a
 * prefix of the last record (or, on some file systems, that prefix
 * followed by zeros): such a tail is dropped with a warning. Any other
 * damage is an error naming its offset.
 *
 * Records are copied into a shared mapping of the file, which is grown
 * (with its blocks allocated, so that a full disk is an error and not a
 * SIGBUS) a megabyte or more at a time: the bytes are in the page cache
 * when the call returns, so a killed process loses nothing, and a record
 * costs a copy instead of a system call. Zeros after the last record are
 * the unused part of the file; it is cut to its records when closed.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "durable/durable.h"
#include "common/codec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char JMAGIC[8] = {'G', 'S', 'J', 'O', 'U', 'R', 'N', '\n'};
#define JFORMAT 5u /* 2: issue 15's calls, longer submit records; 3: the
                      * pattern beside comm, issue 16's calls; 4: the
                      * share and device memory at the end of a submit
                      * record, the job mix (kind 35); 5: the MIG profile
                      * at the end of a submit record, MIG UUIDs (36) */
#define JHEADER 24 /* magic, format, base seq, CRC of the 20 bytes before */
#define RHEADER 12
/* The largest record (a configuration document of up to 64 MiB). */
#define RECORD_MAX ((uint32_t)1 << 26)

struct gs_journal {
    char *path;    /* the snapshot */
    char *jpath;   /* the journal */
    int fd;
    uint8_t *map;  /* the file, mapped shared */
    size_t map_len;
    size_t synced; /* bytes known to be on the disk */
    gs_sync_policy sync;
    uint32_t sync_every, unsynced;
    bool broken;
    uint64_t good; /* the journal's length after the last whole record */
    gs_wbuf buf;
};

/* ---- encoding a call ---------------------------------------------------- */

static void put_spec(gs_wbuf *w, const gs_job_spec *in)
{
    gs_job_spec s;
    gs_job_spec_init(&s);
    memcpy(&s, in, GS_MIN((size_t)in->struct_size, sizeof s));
    gs_w_str(w, s.name);
    gs_w_uv(w, s.gpus);
    gs_w_uv(w, s.gpus_per_node);
    gs_w_uv(w, s.min_nodes);
    gs_w_uv(w, s.max_nodes);
    gs_w_uv(w, s.cpus_per_gpu);
    gs_w_uv(w, s.mem_per_gpu);
    gs_w_uv(w, s.min_gpu_memory);
    gs_w_str(w, s.gpu_models);
    gs_w_uv(w, s.min_cc_major);
    gs_w_uv(w, s.min_cc_minor);
    gs_w_uv(w, s.require_gpus ? s.n_require_gpus : 0);
    for (size_t i = 0; s.require_gpus && i < s.n_require_gpus; i++)
        gs_w_uv(w, s.require_gpus[i]);
    gs_w_uv(w, s.require_uuids ? s.n_require_uuids : 0);
    for (size_t i = 0; s.require_uuids && i < s.n_require_uuids; i++)
        gs_w_str(w, s.require_uuids[i]);
    gs_w_u8(w, (uint8_t)((s.exclusive != 0) | (s.one_nvlink_domain != 0) << 1 |
                         (s.preemptible != 0) << 2));
    /* comm and, from format 3, the pattern above it */
    gs_w_uv(w, (uint32_t)s.comm | (uint32_t)s.pattern << 1);
    gs_w_str(w, s.user);
    gs_w_str(w, s.account);
    gs_w_sv(w, s.priority);
    gs_w_sv(w, s.time_limit);
    gs_w_sv(w, s.submit_time);
    gs_w_sv(w, s.nice);
    gs_w_uv(w, s.depends_on);
    /* added in format 2: a record of format 1 ends above */
    gs_w_str(w, s.partition);
    gs_w_str(w, s.constraint);
    gs_w_u8(w, (uint8_t)((s.allow_split != 0) | (s.any_model != 0) << 1));
    /* added in format 4: a record of formats 2 and 3 ends above */
    gs_w_uv(w, s.gpu_milli);
    gs_w_uv(w, s.gpu_mem);
    /* added in format 5 */
    gs_w_str(w, s.mig_profile);
}

static void put_call(gs_wbuf *w, uint64_t seq, const gs_jr_rec *r)
{
    gs_w_uv(w, seq);
    gs_w_u8(w, r->kind);
    switch (r->kind) {
    case GS_JR_SUBMIT:
        put_spec(w, r->spec);
        break;
    case GS_JR_CANCEL:
    case GS_JR_COMPLETE:
    case GS_JR_FAIL:
    case GS_JR_FAIL_GPU:
        gs_w_uv(w, r->a);
        gs_w_sv(w, r->t);
        break;
    case GS_JR_STEP:
    case GS_JR_UPDATE_USAGE:
        gs_w_sv(w, r->t);
        break;
    case GS_JR_CONSUME:
    case GS_JR_REPAIR_GPU:
    case GS_JR_DRAIN_NODE:
    case GS_JR_RESUME_NODE:
    case GS_JR_DRAIN_GPU:
    case GS_JR_RESUME_GPU:
    case GS_JR_JOB_PRIORITY:
        gs_w_uv(w, r->a);
        break;
    case GS_JR_LIMIT:
        gs_w_uv(w, r->a);
        gs_w_uv(w, r->b);
        gs_w_str(w, r->s1);
        break;
    case GS_JR_PRIO_WEIGHTS:
        gs_w_f64(w, r->w->age);
        gs_w_f64(w, r->w->fairshare);
        gs_w_f64(w, r->w->job_size);
        gs_w_f64(w, r->w->priority);
        gs_w_sv(w, r->w->max_age);
        gs_w_sv(w, r->w->calc_period);
        break;
    case GS_JR_USAGE_WEIGHTS:
        gs_w_f64(w, r->d[0]);
        gs_w_f64(w, r->d[1]);
        gs_w_f64(w, r->d[2]);
        break;
    case GS_JR_MODEL_WEIGHT:
        gs_w_str(w, r->s1);
        gs_w_f64(w, r->d[0]);
        break;
    case GS_JR_CONFIGURE:
        gs_w_uv(w, r->text_len);
        gs_w_bytes(w, r->text, r->text_len);
        gs_w_str(w, r->s1);
        break;
    case GS_JR_ORDERING:
        gs_w_str(w, r->s1);
        gs_w_str(w, r->s2);
        break;
    case GS_JR_FAIRSHARE:
        gs_w_str(w, r->s1);
        break;
    case GS_JR_JOB_FACTOR:
        gs_w_uv(w, r->a);
        gs_w_f64(w, r->d[0]);
        break;
    case GS_JR_RETENTION:
        gs_w_sv(w, r->t);
        gs_w_sv(w, (int64_t)r->a);
        break;
    case GS_JR_ADD_PARTITION: {
        gs_partition_spec p;
        gs_partition_spec_init(&p);
        memcpy(&p, r->part, GS_MIN((size_t)r->part->struct_size, sizeof p));
        gs_w_str(w, p.name);
        gs_w_str(w, p.nodes);
        gs_w_u8(w, (uint8_t)(p.is_default != 0));
        gs_w_uv(w, p.max_gpus_per_job);
        gs_w_uv(w, p.max_gpus_per_user);
        gs_w_sv(w, p.default_time);
        gs_w_sv(w, p.max_time);
        gs_w_uv(w, p.priority_tier);
        gs_w_str(w, p.preempts);
        gs_w_uv(w, p.def_cpus_per_gpu);
        gs_w_uv(w, p.def_mem_per_gpu);
        break;
    }
    case GS_JR_JOB_DEFAULTS:
        gs_w_uv(w, r->a);
        gs_w_uv(w, r->b);
        break;
    case GS_JR_AUTO_ACCOUNTS:
    case GS_JR_HOLD:
    case GS_JR_RELEASE:
        gs_w_uv(w, r->a);
        break;
    case GS_JR_TIMEOUT_GRACE:
        gs_w_sv(w, r->t);
        break;
    case GS_JR_NUMA_MODE:
    case GS_JR_LOOKAHEAD:
        gs_w_uv(w, r->a);
        break;
    case GS_JR_DEMAND:
        gs_w_uv(w, r->a);
        for (uint64_t i = 0; i < r->a; i++) {
            gs_w_uv(w, r->dem[i].gpus);
            gs_w_uv(w, (uint64_t)r->dem[i].pattern);
            gs_w_f64(w, r->dem[i].weight);
        }
        break;
    case GS_JR_MIG_UUID:
        gs_w_uv(w, r->a);
        gs_w_uv(w, r->b);
        gs_w_str(w, r->s1);
        break;
    case GS_JR_FRAG_CLASSES:
        gs_w_uv(w, r->a);
        for (uint64_t i = 0; i < r->a; i++) {
            gs_w_uv(w, r->frag[i].gpus);
            gs_w_uv(w, r->frag[i].gpu_milli);
            gs_w_uv(w, r->frag[i].cpus);
            gs_w_uv(w, r->frag[i].mem);
            gs_w_f64(w, r->frag[i].weight);
        }
        break;
    case GS_JR_TIMEOUT:
        gs_w_uv(w, r->a);
        gs_w_sv(w, r->t);
        break;
    case GS_JR_UPDATE_JOB:
        gs_w_uv(w, r->a);
        gs_w_uv(w, r->upd->fields);
        gs_w_sv(w, r->upd->priority);
        gs_w_sv(w, r->upd->time_limit);
        gs_w_uv(w, r->upd->gpus);
        gs_w_str(w, r->upd->partition);
        gs_w_str(w, r->upd->constraint);
        break;
    default:
        break;
    }
}

/* ---- replaying a call ----------------------------------------------------- */

/* Replay one record's call on s. GS_EPARSE (reader bad) for a record that
 * does not decode; otherwise the call's own status. */
static gs_status replay(gs_sched *s, gs_rbuf *r, uint8_t kind)
{
    switch (kind) {
    case GS_JR_SUBMIT: {
        gs_job_spec sp;
        gs_job_spec_init(&sp);
        sp.name = gs_r_str(r, 1u << 20, NULL);
        sp.gpus = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "gpus");
        sp.gpus_per_node = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "gpus");
        sp.min_nodes = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "nodes");
        sp.max_nodes = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "nodes");
        sp.cpus_per_gpu = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "cpus");
        sp.mem_per_gpu = gs_r_uv(r);
        sp.min_gpu_memory = gs_r_uv(r);
        sp.gpu_models = gs_r_str(r, 1u << 20, NULL);
        sp.min_cc_major = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "cc");
        sp.min_cc_minor = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "cc");
        size_t ng = (size_t)gs_r_uv_max(r, gs_r_left(r), "required GPUs");
        uint32_t *gpus = NULL;
        const char **uuids = NULL;
        gs_status st = GS_OK;
        if (ng && !(gpus = gs_calloc(ng, sizeof *gpus)))
            return GS_ENOMEM;
        for (size_t i = 0; i < ng; i++)
            gpus[i] = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "a GPU");
        size_t nu = (size_t)gs_r_uv_max(r, gs_r_left(r), "required UUIDs");
        if (nu && !(uuids = gs_calloc(nu, sizeof *uuids)))
            st = GS_ENOMEM;
        for (size_t i = 0; st == GS_OK && i < nu; i++)
            uuids[i] = gs_r_str(r, 1u << 16, NULL);
        uint8_t f = gs_r_u8(r);
        sp.exclusive = f & 1;
        sp.one_nvlink_domain = (f >> 1) & 1;
        sp.preemptible = (f >> 2) & 1;
        uint64_t cv = gs_r_uv_max(r, UINT32_MAX, "comm");
        sp.comm = (gs_comm_hint)(cv & 1);
        sp.pattern = (gs_comm_pattern)(cv >> 1);
        sp.user = gs_r_str(r, 1u << 16, NULL);
        sp.account = gs_r_str(r, 1u << 16, NULL);
        sp.priority = gs_r_sv(r);
        sp.time_limit = gs_r_sv(r);
        sp.submit_time = gs_r_sv(r);
        sp.nice = gs_r_sv(r);
        sp.depends_on = gs_r_uv(r);
        if (!r->bad && r->pos < r->n) { /* format 2 */
            sp.partition = gs_r_str(r, 1u << 16, NULL);
            sp.constraint = gs_r_str(r, 1u << 16, NULL);
            uint8_t g = gs_r_u8(r);
            sp.allow_split = g & 1;
            sp.any_model = (g >> 1) & 1;
            if (!r->bad && r->pos < r->n) { /* format 4 */
                sp.gpu_milli =
                    (uint32_t)gs_r_uv_max(r, UINT32_MAX, "gpu_milli");
                sp.gpu_mem = gs_r_uv(r);
                if (!r->bad && r->pos < r->n) /* format 5 */
                    sp.mig_profile = gs_r_str(r, 1u << 16, NULL);
            }
        } else {
            /* format 1: the behaviour before issue 15 (jobs split freely,
             * mixed models) */
            sp.allow_split = 1;
            sp.any_model = 1;
        }
        sp.require_gpus = gpus;
        sp.n_require_gpus = ng;
        sp.require_uuids = uuids;
        sp.n_require_uuids = nu;
        if (st == GS_OK)
            st = r->bad || r->pos != r->n ? GS_EPARSE
                                          : gs_sched_submit(s, &sp, NULL);
        gs_free(gpus);
        gs_free(uuids);
        return st;
    }
    case GS_JR_CANCEL:
    case GS_JR_COMPLETE:
    case GS_JR_FAIL:
    case GS_JR_FAIL_GPU: {
        uint64_t a = gs_r_uv(r);
        int64_t t = gs_r_sv(r);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        if (kind == GS_JR_CANCEL)
            return gs_sched_cancel(s, a, t);
        if (kind == GS_JR_COMPLETE)
            return gs_sched_complete(s, a, t);
        if (kind == GS_JR_FAIL)
            return gs_sched_fail(s, a, t);
        return a > UINT32_MAX ? GS_EPARSE
                              : gs_sched_fail_gpu(s, (uint32_t)a, t, NULL);
    }
    case GS_JR_STEP:
    case GS_JR_UPDATE_USAGE: {
        int64_t t = gs_r_sv(r);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return kind == GS_JR_STEP ? gs_sched_step(s, t, NULL)
                                  : gs_sched_update_usage(s, t);
    }
    case GS_JR_CONSUME:
    case GS_JR_REPAIR_GPU:
    case GS_JR_DRAIN_NODE:
    case GS_JR_RESUME_NODE:
    case GS_JR_DRAIN_GPU:
    case GS_JR_RESUME_GPU:
    case GS_JR_JOB_PRIORITY: {
        uint64_t a = gs_r_uv(r);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        if (kind == GS_JR_CONSUME)
            return gs_sched_events_consume(s, (size_t)a);
        if (kind == GS_JR_JOB_PRIORITY) {
            gs_priority_breakdown b = GS_PRIORITY_BREAKDOWN_INIT;
            return gs_sched_job_priority(s, a, &b);
        }
        if (a > UINT32_MAX)
            return GS_EPARSE;
        uint32_t x = (uint32_t)a;
        switch (kind) {
        case GS_JR_REPAIR_GPU: return gs_sched_repair_gpu(s, x);
        case GS_JR_DRAIN_NODE: return gs_sched_drain_node(s, x);
        case GS_JR_RESUME_NODE: return gs_sched_resume_node(s, x);
        case GS_JR_DRAIN_GPU: return gs_sched_drain_gpu(s, x);
        default: return gs_sched_resume_gpu(s, x);
        }
    }
    case GS_JR_LIMIT: {
        uint64_t k = gs_r_uv_max(r, GS_LIMIT_ACCOUNT, "a limit kind");
        uint64_t b = gs_r_uv_max(r, UINT32_MAX, "a limit");
        const char *name = gs_r_str(r, 1u << 16, NULL);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_set_limit(s, (gs_limit_kind)k, name, (uint32_t)b);
    }
    case GS_JR_PRIO_WEIGHTS: {
        gs_priority_weights w;
        gs_priority_weights_init(&w);
        w.age = gs_r_f64(r);
        w.fairshare = gs_r_f64(r);
        w.job_size = gs_r_f64(r);
        w.priority = gs_r_f64(r);
        w.max_age = gs_r_sv(r);
        w.calc_period = gs_r_sv(r);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_set_priority_weights(s, &w);
    }
    case GS_JR_USAGE_WEIGHTS: {
        double a = gs_r_f64(r), b = gs_r_f64(r), c = gs_r_f64(r);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_set_usage_weights(s, a, b, c);
    }
    case GS_JR_MODEL_WEIGHT: {
        const char *m = gs_r_str(r, 1u << 16, NULL);
        double d = gs_r_f64(r);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_set_model_weight(s, m, d);
    }
    case GS_JR_CONFIGURE: {
        uint64_t n = gs_r_uv_max(r, gs_r_left(r), "a document's length");
        const uint8_t *text = gs_r_bytes(r, (size_t)n);
        const char *name = gs_r_str(r, 1u << 16, NULL);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_configure(s, (const char *)text, (size_t)n, name);
    }
    case GS_JR_ORDERING: {
        const char *name = gs_r_str(r, 1u << 16, NULL);
        const char *opt = gs_r_str(r, 1u << 20, NULL);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_set_ordering(s, name, opt);
    }
    case GS_JR_FAIRSHARE: {
        const char *name = gs_r_str(r, 1u << 16, NULL);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_set_fairshare(s, name);
    }
    case GS_JR_JOB_FACTOR: {
        uint64_t a = gs_r_uv(r);
        double d = gs_r_f64(r);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_set_job_factor(s, a, d);
    }
    case GS_JR_RETENTION: {
        int64_t t = gs_r_sv(r), c = gs_r_sv(r);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_set_retention(s, t, c);
    }
    case GS_JR_ADD_PARTITION: {
        gs_partition_spec p;
        gs_partition_spec_init(&p);
        p.name = gs_r_str(r, 1u << 16, NULL);
        p.nodes = gs_r_str(r, 1u << 24, NULL);
        p.is_default = gs_r_u8(r) & 1;
        p.max_gpus_per_job = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "a limit");
        p.max_gpus_per_user = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "a limit");
        p.default_time = gs_r_sv(r);
        p.max_time = gs_r_sv(r);
        p.priority_tier = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "a tier");
        p.preempts = gs_r_str(r, 1u << 16, NULL);
        p.def_cpus_per_gpu = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "CPUs");
        p.def_mem_per_gpu = gs_r_uv(r);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_add_partition(s, &p);
    }
    case GS_JR_JOB_DEFAULTS: {
        uint64_t c = gs_r_uv_max(r, UINT32_MAX, "CPUs"), m = gs_r_uv(r);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_set_job_defaults(s, (uint32_t)c, m);
    }
    case GS_JR_AUTO_ACCOUNTS:
    case GS_JR_HOLD:
    case GS_JR_RELEASE: {
        uint64_t a = gs_r_uv(r);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        if (kind == GS_JR_AUTO_ACCOUNTS)
            return gs_sched_set_auto_accounts(s, a != 0);
        return kind == GS_JR_HOLD ? gs_sched_hold(s, a)
                                  : gs_sched_release(s, a);
    }
    case GS_JR_TIMEOUT_GRACE: {
        int64_t t = gs_r_sv(r);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_set_timeout_grace(s, t);
    }
    case GS_JR_NUMA_MODE:
    case GS_JR_LOOKAHEAD: {
        uint64_t a = gs_r_uv_max(r, 2, "mode");
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return kind == GS_JR_NUMA_MODE
                   ? gs_sched_set_numa_mode(s, (gs_numa_mode)a)
                   : gs_sched_set_lookahead(s, (int)a);
    }
    case GS_JR_DEMAND: {
        gs_demand_entry e[GS_MAX_DEMAND];
        uint64_t n = gs_r_uv_max(r, GS_MAX_DEMAND, "demand entries");
        for (uint64_t i = 0; i < n && !r->bad; i++) {
            e[i].gpus = (uint32_t)gs_r_uv_max(r, 64, "GPUs");
            e[i].pattern =
                (gs_comm_pattern)gs_r_uv_max(r, GS_PATTERN_COUNT - 1, "pattern");
            e[i].weight = gs_r_f64(r);
        }
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_set_demand(s, e, (size_t)n);
    }
    case GS_JR_MIG_UUID: {
        uint64_t a = gs_r_uv(r);
        uint64_t g = gs_r_uv_max(r, UINT32_MAX, "a GPU");
        const char *u = gs_r_str(r, 1u << 16, NULL);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_set_mig_uuid(s, a, (uint32_t)g, u);
    }
    case GS_JR_FRAG_CLASSES: {
        /* the call's own checks judge the values, as they did when it
         * was made (gs_frag_apply) */
        gs_frag_class c[GS_MAX_FRAG_CLASSES];
        uint64_t n = gs_r_uv_max(r, GS_MAX_FRAG_CLASSES, "job mix classes");
        for (uint64_t i = 0; i < n && !r->bad; i++) {
            c[i].gpus = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "GPUs");
            c[i].gpu_milli = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "share");
            c[i].cpus = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "CPUs");
            c[i].mem = gs_r_uv(r);
            c[i].weight = gs_r_f64(r);
        }
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_set_frag_classes(s, n ? c : NULL, (size_t)n);
    }
    case GS_JR_TIMEOUT: {
        uint64_t a = gs_r_uv(r);
        int64_t t = gs_r_sv(r);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_timeout(s, a, t);
    }
    case GS_JR_UPDATE_JOB: {
        gs_job_update u;
        gs_job_update_init(&u);
        uint64_t a = gs_r_uv(r);
        u.fields = (unsigned)gs_r_uv_max(r, UINT32_MAX, "fields");
        u.priority = gs_r_sv(r);
        u.time_limit = gs_r_sv(r);
        u.gpus = (uint32_t)gs_r_uv_max(r, UINT32_MAX, "gpus");
        u.partition = gs_r_str(r, 1u << 16, NULL);
        u.constraint = gs_r_str(r, 1u << 16, NULL);
        if (r->bad || r->pos != r->n)
            return GS_EPARSE;
        return gs_sched_update_job(s, a, &u);
    }
    default:
        return GS_EPARSE;
    }
}

/* ---- the file ------------------------------------------------------------ */

/* Room in the mapping for n more bytes: the file grows (blocks allocated)
 * and is mapped again. */
static gs_status map_room(gs_journal *j, size_t n)
{
    if (j->map && j->good + n <= j->map_len)
        return GS_OK;
    size_t len = j->map_len ? j->map_len : (size_t)1 << 20;
    while (len < j->good + n + 1)
        len *= 2;
    int e = posix_fallocate(j->fd, 0, (off_t)len);
    if (e != 0) {
        errno = e;
        return GS_EIO;
    }
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, j->fd, 0);
    if (m == MAP_FAILED)
        return GS_EIO;
    if (j->map)
        munmap(j->map, j->map_len);
    j->map = m;
    j->map_len = len;
    return GS_OK;
}

/* The records written so far, to the disk. */
static gs_status sync_map(gs_journal *j)
{
    if (j->good > j->synced) {
        long page = sysconf(_SC_PAGESIZE);
        size_t from = page > 0 ? j->synced / (size_t)page * (size_t)page : 0;
        if (msync(j->map + from, j->good - from, MS_SYNC) != 0)
            return GS_EIO;
    }
    if (fdatasync(j->fd) != 0)
        return GS_EIO;
    j->synced = j->good;
    j->unsynced = 0;
    return GS_OK;
}

static gs_status jr_refuse(gs_sched *s);

static gs_status jr_append(gs_sched *s, const gs_jr_rec *r)
{
    gs_journal *j = s->journal;
    if (j->broken)
        return jr_refuse(s);
    j->buf.n = 0;
    uint8_t head[RHEADER] = {0};
    gs_w_bytes(&j->buf, head, sizeof head);
    put_call(&j->buf, s->seq, r);
    gs_status st = GS_OK;
    if (j->buf.oom || j->buf.n - RHEADER > RECORD_MAX) {
        st = j->buf.oom ? GS_ENOMEM : GS_ERANGE;
    } else {
        uint32_t len = (uint32_t)(j->buf.n - RHEADER);
        uint8_t lb[4] = {(uint8_t)len, (uint8_t)(len >> 8),
                         (uint8_t)(len >> 16), (uint8_t)(len >> 24)};
        uint32_t lc = gs_crc32c(0, lb, 4);
        uint32_t pc = gs_crc32c(0, j->buf.p + RHEADER, len);
        for (int i = 0; i < 4; i++) {
            j->buf.p[i] = lb[i];
            j->buf.p[4 + i] = (uint8_t)(lc >> (8 * i));
            j->buf.p[8 + i] = (uint8_t)(pc >> (8 * i));
        }
        st = map_room(j, j->buf.n);
        if (st == GS_OK) {
            memcpy(j->map + j->good, j->buf.p, j->buf.n);
            j->good += j->buf.n;
            j->unsynced++;
            if (j->sync == GS_SYNC_ALWAYS ||
                (j->sync == GS_SYNC_EVERY_N && j->unsynced >= j->sync_every))
                st = sync_map(j);
        }
    }
    if (st == GS_OK)
        return GS_OK;
    /* the change stays in memory, undurable; no more records are taken */
    int e = errno;
    j->broken = true;
    return gs_errf(&s->err, st == GS_ENOMEM ? GS_ENOMEM : GS_EIO,
                   "%s: the call was carried out but could not be recorded "
                   "(%s); further changes are refused until "
                   "gs_sched_checkpoint succeeds",
                   j->jpath,
                   st == GS_ENOMEM  ? "out of memory"
                   : st == GS_ERANGE ? "record too large"
                                     : strerror(e));
}

static bool jr_broken(const gs_sched *s)
{
    return s->journal && s->journal->broken;
}

static gs_status jr_refuse(gs_sched *s)
{
    return gs_errf(&s->err, GS_EIO,
                   "%s: the journal failed a write; no change is taken until "
                   "gs_sched_checkpoint succeeds",
                   s->journal ? s->journal->jpath : "journal");
}

/* Close the file: unmap it and cut it to its records. */
static void close_file(gs_journal *j)
{
    if (j->map) {
        munmap(j->map, j->map_len);
        j->map = NULL;
        j->map_len = 0;
    }
    if (j->fd >= 0) {
        if (!j->broken && ftruncate(j->fd, (off_t)j->good) == 0 &&
            j->synced >= j->good)
            fdatasync(j->fd);
        close(j->fd);
        j->fd = -1;
    }
}

static void journal_free(gs_journal *j)
{
    if (!j)
        return;
    close_file(j);
    gs_free(j->path);
    gs_free(j->jpath);
    gs_w_free(&j->buf);
    gs_free(j);
}

static void jr_close(gs_sched *s)
{
    if (!s->journal)
        return;
    if (s->journal->fd >= 0 && s->journal->unsynced && !s->journal->broken)
        sync_map(s->journal);
    journal_free(s->journal);
    s->journal = NULL;
}

/* A new, empty journal after seq base: written beside, then renamed. */
static gs_status new_journal(gs_journal *j, uint64_t base, gs_err *err)
{
    uint8_t h[JHEADER];
    memcpy(h, JMAGIC, 8);
    for (int i = 0; i < 4; i++)
        h[8 + i] = (uint8_t)(JFORMAT >> (8 * i));
    for (int i = 0; i < 8; i++)
        h[12 + i] = (uint8_t)(base >> (8 * i));
    uint32_t c = gs_crc32c(0, h, 20);
    for (int i = 0; i < 4; i++)
        h[20 + i] = (uint8_t)(c >> (8 * i));
    gs_status st = gs_write_file_atomic(j->jpath, h, sizeof h, err);
    if (st != GS_OK)
        return st;
    int fd = open(j->jpath, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return gs_errf(err, GS_EIO, "%s: cannot open: %s", j->jpath,
                       strerror(errno));
    j->broken = false;
    close_file(j);
    j->fd = fd;
    j->good = j->synced = JHEADER;
    j->unsynced = 0;
    if ((st = map_room(j, 0)) != GS_OK)
        return gs_errf(err, st, "%s: cannot map: %s", j->jpath,
                       strerror(errno));
    return GS_OK;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Replay the journal's records after the snapshot. *keep: the length of
 * the whole records (a torn tail beyond it is dropped). */
static gs_status replay_journal(gs_sched *s, const gs_store_config *cfg,
                                const char *jpath, const uint8_t *p, size_t n,
                                uint64_t *keep)
{
    if (n < JHEADER || memcmp(p, JMAGIC, 8) != 0 ||
        gs_crc32c(0, p, 20) != le32(p + 20)) {
        /* a journal whose header itself is torn was never used: a crash
         * while creating it (it is written whole, then renamed, so only a
         * file system that lost it could leave that) */
        if (n < JHEADER && all_zero(p, n)) {
            *keep = 0;
            return GS_OK;
        }
        return gs_errf(&s->err, GS_EPARSE,
                       "%s: offset 0: not a gpusched journal, or its header "
                       "is damaged",
                       jpath);
    }
    uint32_t fmt = le32(p + 8);
    if (fmt > JFORMAT)
        return gs_errf(&s->err, GS_EUNSUPPORTED,
                       "%s: journal format %u is newer than this library "
                       "reads (%u)",
                       jpath, fmt, JFORMAT);
    uint64_t base = (uint64_t)le32(p + 12) | (uint64_t)le32(p + 16) << 32;
    if (base > s->seq)
        return gs_errf(&s->err, GS_EINVALID,
                       "%s: the journal follows call %llu but the snapshot "
                       "holds only %llu calls (an older snapshot?)",
                       jpath, (unsigned long long)base,
                       (unsigned long long)s->seq);
    size_t off = JHEADER;
    while (off < n) {
        size_t left = n - off;
        const char *torn = NULL;
        if (all_zero(p + off, left))
            break; /* the unused part of the file */
        if (left < RHEADER) {
            torn = "an incomplete record header";
        } else {
            uint32_t len = le32(p + off);
            bool len_ok = gs_crc32c(0, p + off, 4) == le32(p + off + 4);
            if (!len_ok || len > RECORD_MAX) {
                if (all_zero(p + off, left))
                    torn = "zeros where a record should be";
                else
                    return gs_errf(&s->err, GS_EPARSE,
                                   "%s: offset %zu: a record's length is "
                                   "damaged",
                                   jpath, off);
            } else if (len > left - RHEADER) {
                torn = "a record cut short";
            } else if (gs_crc32c(0, p + off + RHEADER, len) !=
                       le32(p + off + 8)) {
                if (off + RHEADER + len == n ||
                    all_zero(p + off + RHEADER + len,
                             n - off - RHEADER - len))
                    torn = "the last record's checksum does not match";
                else
                    return gs_errf(&s->err, GS_EPARSE,
                                   "%s: offset %zu: a record's checksum does "
                                   "not match, and records follow it: the "
                                   "journal is damaged",
                                   jpath, off);
            } else {
                gs_rbuf r;
                gs_r_init(&r, p + off + RHEADER, len, off + RHEADER);
                uint64_t seq = gs_r_uv(&r);
                uint8_t kind = gs_r_u8(&r);
                if (r.bad || kind < 1 || kind > GS_JR_KIND_MAX)
                    return gs_errf(&s->err, GS_EPARSE,
                                   "%s: offset %zu: a record does not decode",
                                   jpath, off);
                if (seq > s->seq + 1)
                    return gs_errf(&s->err, GS_EPARSE,
                                   "%s: offset %zu: record of call %llu "
                                   "follows call %llu: calls are missing",
                                   jpath, off, (unsigned long long)seq,
                                   (unsigned long long)s->seq);
                if (seq == s->seq + 1) {
                    gs_status st = replay(s, &r, kind);
                    if (st != GS_OK) {
                        char msg[GS_ERRMSG_MAX];
                        snprintf(msg, sizeof msg, "%s", s->err.msg);
                        return gs_errf(
                            &s->err, st == GS_ENOMEM ? GS_ENOMEM : GS_EPARSE,
                            "%s: offset %zu: replaying call %llu failed "
                            "(%s%s%s)",
                            jpath, off, (unsigned long long)seq,
                            r.bad ? r.why : gs_status_name(st),
                            r.bad ? "" : ": ", r.bad ? "" : msg);
                    }
                    if (s->seq != seq)
                        return gs_errf(&s->err, GS_EPARSE,
                                       "%s: offset %zu: call %llu did not "
                                       "count as one call",
                                       jpath, off, (unsigned long long)seq);
                }
                off += RHEADER + len;
                continue;
            }
        }
        if (torn && cfg->warn) {
            char msg[256];
            snprintf(msg, sizeof msg,
                     "%s: offset %zu: %s (%zu bytes): a write cut short by "
                     "a crash; dropped",
                     jpath, off, torn, left);
            cfg->warn(cfg->warn_data, msg);
        }
        break;
    }
    *keep = off;
    return GS_OK;
}

GS_API void gs_store_config_init(gs_store_config *cfg)
{
    if (cfg)
        *cfg = (gs_store_config)GS_STORE_CONFIG_INIT;
}

static const gs_jr_hooks jr_hooks = {jr_append, jr_broken, jr_refuse,
                                     jr_close};

GS_API gs_status gs_sched_open(gs_sched **out, const gs_topo *topo,
                               const gs_store_config *cfg_in)
{
    if (!out)
        return GS_EINVAL;
    *out = NULL;
    gs_err err = {0};
    gs_store_config cfg = GS_STORE_CONFIG_INIT;
    if (!cfg_in || cfg_in->struct_size < sizeof(uint32_t) + sizeof(void *) ||
        !cfg_in->path || !*cfg_in->path) {
        gs_errf(&err, GS_EINVAL, "open: a store config with a path is needed");
        *out = gs_durable_error_handle(&err);
        return GS_EINVAL;
    }
    memcpy(&cfg, cfg_in, GS_MIN((size_t)cfg_in->struct_size, sizeof cfg));
    if ((unsigned)cfg.sync > GS_SYNC_NEVER) {
        gs_errf(&err, GS_EINVAL, "open: sync policy %d is not one of "
                                 "gs_sync_policy", (int)cfg.sync);
        *out = gs_durable_error_handle(&err);
        return GS_EINVAL;
    }
    gs_journal *j = gs_calloc(1, sizeof *j);
    size_t plen = strlen(cfg.path);
    if (j) {
        j->fd = -1;
        j->path = gs_strdup(cfg.path);
        j->jpath = gs_malloc(plen + 9);
        if (j->jpath)
            snprintf(j->jpath, plen + 9, "%s.journal", cfg.path);
    }
    if (!j || !j->path || !j->jpath) {
        journal_free(j);
        gs_errf(&err, GS_ENOMEM, "out of memory");
        *out = gs_durable_error_handle(&err);
        return GS_ENOMEM;
    }
    j->sync = cfg.sync;
    j->sync_every = cfg.sync_every ? cfg.sync_every : 64;
    /* the snapshot, or a new scheduler */
    char *data = NULL;
    size_t size = 0;
    gs_sched *s = NULL;
    bool fresh = false;
    gs_status st = gs_read_file(cfg.path, &data, &size, GS_STATE_MAX_BYTES,
                                &err);
    if (st == GS_OK) {
        gs_restore_options o = GS_RESTORE_OPTIONS_INIT;
        o.share = cfg.share;
        o.name = cfg.path;
        st = gs_sched_restore_buffer(&s, topo, &o, data, size);
        gs_free(data);
    } else if (access(cfg.path, F_OK) != 0 && errno == ENOENT) {
        gs_sched_config c;
        gs_sched_config_init(&c);
        if (cfg.sched)
            memcpy(&c, cfg.sched,
                   GS_MIN((size_t)cfg.sched->struct_size, sizeof c));
        c.struct_size = sizeof c;
        if (cfg.share)
            c.share = cfg.share;
        st = gs_sched_create(&s, topo, &c);
        fresh = true;
    } else {
        journal_free(j);
        *out = gs_durable_error_handle(&err);
        return st;
    }
    if (st != GS_OK) {
        journal_free(j);
        *out = s;
        return st;
    }
    /* the journal's records after it */
    st = gs_read_file(j->jpath, &data, &size, (uint64_t)1 << 40, &s->err);
    uint64_t keep = 0;
    bool have = st == GS_OK, old_format = false;
    if (st == GS_OK) {
        st = replay_journal(s, &cfg, j->jpath, (const uint8_t *)data, size,
                            &keep);
        if (size >= JHEADER && le32((const uint8_t *)data + 8) < JFORMAT)
            old_format = true;
        gs_free(data);
    } else if (access(j->jpath, F_OK) != 0 && errno == ENOENT) {
        st = GS_OK;
        gs_err_clear(&s->err);
    }
    if (st == GS_OK) {
        if (fresh) {
            /* a journal always follows a snapshot: the first one now */
            if ((st = gs_sched_save_file(s, cfg.path)) == GS_OK)
                st = new_journal(j, s->seq, &s->err);
        } else if (!have || keep < JHEADER) {
            st = new_journal(j, s->seq, &s->err);
        } else if (old_format) {
            /* a journal an older library wrote: its calls are in the
             * state now; a snapshot and a journal of this format follow */
            if ((st = gs_sched_save_file(s, cfg.path)) == GS_OK)
                st = new_journal(j, s->seq, &s->err);
        } else {
            /* append after the last whole record (a torn tail, and the
             * unused zeros, go) */
            int fd = open(j->jpath, O_RDWR | O_CLOEXEC);
            if (fd < 0 || ftruncate(fd, (off_t)keep) != 0 ||
                (keep < size && fdatasync(fd) != 0))
                st = gs_errf(&s->err, GS_EIO, "%s: cannot open to append: %s",
                             j->jpath, strerror(errno));
            if (fd >= 0 && st != GS_OK)
                close(fd);
            if (st == GS_OK) {
                j->fd = fd;
                j->good = j->synced = keep;
                if (map_room(j, 0) != GS_OK)
                    st = gs_errf(&s->err, GS_EIO, "%s: cannot map: %s",
                                 j->jpath, strerror(errno));
            }
        }
    }
    if (st != GS_OK) {
        journal_free(j);
        gs_sched *e = gs_durable_error_handle(&s->err);
        gs_sched_destroy(s);
        *out = e;
        return st;
    }
    s->journal = j;
    s->jr = &jr_hooks;
    gs_err_clear(&s->err);
    *out = s;
    return GS_OK;
}

/* The journal of a scheduler from gs_sched_open, or NULL (with a message
 * naming the call). */
static gs_journal *journal_of(gs_sched *s, const char *call)
{
    if (!gs_sched_ready(s))
        return NULL;
    if (!s->journal)
        gs_errf(&s->err, GS_EINVAL,
                "%s: this scheduler has no journal (open it with "
                "gs_sched_open)",
                call);
    return s->journal;
}

GS_API gs_status gs_sched_checkpoint(gs_sched *s)
{
    gs_journal *j = journal_of(s, "checkpoint");
    if (!j)
        return GS_EINVAL;
    /* snapshot first: a crash before the journal is replaced leaves the
     * new snapshot with the old journal, whose records it already holds
     * (they are skipped by their sequence numbers) */
    gs_status st = gs_sched_save_file(s, j->path);
    if (st == GS_OK)
        st = new_journal(j, s->seq, &s->err);
    return st;
}

GS_API gs_status gs_sched_sync(gs_sched *s)
{
    gs_journal *j = journal_of(s, "sync");
    if (!j)
        return GS_EINVAL;
    if (j->broken)
        return jr_refuse(s);
    if (sync_map(j) != GS_OK)
        return gs_errf(&s->err, GS_EIO, "%s: fsync: %s", j->jpath,
                       strerror(errno));
    return GS_OK;
}

GS_API uint64_t gs_sched_journal_seq(const gs_sched *s)
{
    return gs_sched_ready(s) ? s->seq : 0;
}
