/*
 * Asking the placement policy (plan stage): the request, the policy's
 * answer checked before anything changes, and why a job cannot be placed.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sched/plan.h"
#include "sched/jobview.h"
#include "topo/constraint.h"

#include <stdio.h>
#include <string.h>

static void fill_request(const job_rec *j, gs_place_request *r)
{
    memset(r, 0, sizeof *r);
    r->struct_size = sizeof *r;
    r->job = j->id;
    r->gpus = j->gpus;
    r->gpus_per_node = j->gpus_per_node;
    r->min_nodes = j->min_nodes;
    r->max_nodes = j->max_nodes;
    r->cpus_per_gpu = j->cpus_per_gpu;
    r->mem_per_gpu = j->mem_per_gpu;
    r->required = j->required;
    r->n_required = j->n_required;
    r->exclusive = j->exclusive;
    r->one_nvlink_domain = j->one_domain;
    r->comm = j->comm;
    r->pattern = job_pattern(j);
    r->gpu_milli = job_share(j);
    r->gpu_mem = j->gpu_mem;
    r->mig_profile = j->mig_slices ? j->mig_name : NULL;
    if (r->pattern == GS_PATTERN_NONE)
        r->comm = GS_COMM_INSENSITIVE;
}

/* Check a policy's answer before anything changes. */
static bool valid_answer(gs_sched *s, gs_place_ctx *ctx, const job_rec *j,
                         const uint32_t *gpus)
{
    const gs_topo *t = s->topo;
    uint32_t nn = 0, domain = GS_NONE;
    bool ok = true;
    uint32_t *touched = s->scratch_nodes2;
    for (uint32_t i = 0; i < j->gpus && ok; i++) {
        uint32_t g = gpus[i];
        if (g >= t->n_gpus) {
            snprintf(ctx->reason, sizeof ctx->reason,
                     "placement policy \"%s\" returned GPU %u, which does "
                     "not exist",
                     s->policy->name, g);
            ok = false;
            break;
        }
        uint32_t node = t->gpu_node[g];
        gs_mask bit = (gs_mask)1 << (g - t->nodes[node].first_gpu);
        if ((s->node_mask[node] & bit) || !gs_place_gpu_usable(ctx, g)) {
            snprintf(ctx->reason, sizeof ctx->reason,
                     "placement policy \"%s\" returned GPU %u, which is %s",
                     s->policy->name, g,
                     (s->node_mask[node] & bit) ? "listed twice"
                                                : "not usable for the job");
            ok = false;
            break;
        }
        if (!s->node_mask[node])
            touched[nn++] = node;
        s->node_mask[node] |= bit;
    }
    for (size_t i = 0; ok && i < j->n_required; i++) {
        uint32_t g = j->required[i], node = t->gpu_node[g];
        if (!((s->node_mask[node] >> (g - t->nodes[node].first_gpu)) & 1)) {
            snprintf(ctx->reason, sizeof ctx->reason,
                     "placement policy \"%s\" left out required GPU %u",
                     s->policy->name, g);
            ok = false;
        }
    }
    if (ok && (nn < j->min_nodes || nn > j->max_nodes)) {
        snprintf(ctx->reason, sizeof ctx->reason,
                 "placement policy \"%s\" used %u nodes, outside %u..%u",
                 s->policy->name, nn, j->min_nodes, j->max_nodes);
        ok = false;
    }
    for (uint32_t i = 0; ok && i < nn; i++) {
        uint32_t node = touched[i];
        uint32_t c = mask_count(s->node_mask[node]);
        if ((j->gpus_per_node && c != j->gpus_per_node) ||
            gs_place_capacity(ctx, node, NULL) < c) {
            snprintf(ctx->reason, sizeof ctx->reason,
                     "placement policy \"%s\" put %u GPUs on node %s, which "
                     "%s",
                     s->policy->name, c, t->nodes[node].name,
                     j->gpus_per_node ? "is not the number per node asked"
                                      : "lacks the CPUs or memory");
            ok = false;
        }
        if (ok && j->one_domain && nn > 1) {
            uint32_t d = t->nodes[node].domain;
            if (d == GS_NONE || (domain != GS_NONE && d != domain)) {
                snprintf(ctx->reason, sizeof ctx->reason,
                         "placement policy \"%s\" spread the job over more "
                         "than one NVLink domain",
                         s->policy->name);
                ok = false;
            }
            domain = d;
        }
    }
    for (uint32_t i = 0; i < nn; i++)
        s->node_mask[touched[i]] = 0;
    return ok;
}

/* ---- CPU-only jobs --------------------------------------------------- */

bool gs_cpu_class_fits(const gs_sched *s, const job_rec *j, uint32_t c,
                       uint64_t parts)
{
    if ((s->n_parts && !(s->cls_parts[c] & parts)) ||
        (j->cons && !gs_constraint_match(j->cons, s->cls_feat[c])))
        return false;
    const gs_ntype *ty = class_type(s, c);
    if (j->cpus_per_gpu && ty->n_cpus < j->cpus_per_gpu)
        return false; /* also a type without CPUs: it does not count them */
    if (j->mem_per_gpu && gs_type_memory(ty) < j->mem_per_gpu)
        return false;
    return true;
}

bool gs_cpu_node_fits(const gs_sched *s, const job_rec *j, uint32_t n)
{
    const node_state *ns = &s->nodes[n];
    return !ns->drained_node && !ns->excl_job &&
           (!j->exclusive || ns->jobs == 0) &&
           ns->free_cpus >= j->cpus_per_gpu && ns->free_mem >= j->mem_per_gpu;
}

uint32_t gs_cpu_place(const gs_sched *s, const job_rec *j, uint32_t part)
{
    const uint32_t *list = part != GS_NONE ? s->parts[part].nodes : NULL;
    uint32_t nlist = part != GS_NONE ? s->parts[part].n_nodes : s->n_nodes;
    uint64_t parts = part != GS_NONE ? (uint64_t)1 << part : ~(uint64_t)0;
    uint32_t best = GS_NONE, best_gpus = 0, best_cpus = 0;
    for (uint32_t i = 0; i < nlist; i++) {
        uint32_t n = list ? list[i] : i;
        if (!gs_cpu_class_fits(s, j, node_class(s, n), parts) ||
            !gs_cpu_node_fits(s, j, n))
            continue;
        uint32_t g = mask_count(s->nodes[n].avail);
        uint32_t c = s->nodes[n].free_cpus;
        if (best == GS_NONE || g < best_gpus ||
            (g == best_gpus && (c < best_cpus ||
                                (c == best_cpus && node_before(s, n, best))))) {
            best = n;
            best_gpus = g;
            best_cpus = c;
        }
    }
    return best;
}

/* Run the policy for j on the current state; on success the GPUs are in
 * out and nothing changed. A job runs in one partition on GPUs of one
 * model (unless it allows any): the policy is asked for each partition it
 * may use (in order) and each model (in preference order) until one
 * answers; the first failure's status and reason are kept. A CPU-only job
 * goes through the same partitions, its node (gs_cpu_place) in out[0]:
 * policies place GPUs. */
gs_status gs_ask_policy(gs_sched *s, const job_rec *j, uint32_t *out,
                            gs_place_ctx *ctx, gs_place_request *req,
                            bool quiet)
{
    fill_request(j, req);
    ctx->s = s;
    ctx->job = j;
    ctx->req = req;
    ctx->elig = s->elig;
    ctx->prepared = false;
    ctx->quiet = quiet;
    ctx->reason[0] = '\0';
    ctx->part = GS_NONE;
    uint32_t order[GS_MAX_PARTITIONS];
    uint32_t np = s->n_parts ? gs_part_order(s, j, order) : 1;
    if (!s->n_parts)
        order[0] = 0;
    uint32_t nm = !j->any_model && s->n_models > 1 ? s->n_models : 1;
    gs_status first = GS_OK;
    char first_reason[REASON_MAX];
    first_reason[0] = '\0';
    bool limited = false;
    for (uint32_t pi = 0; pi < np; pi++) {
        if (s->n_parts && !((s->try_parts >> order[pi]) & 1))
            continue; /* blocked by a job ahead of it there */
        if (s->n_parts && gs_part_over_user_limit(s, j, order[pi])) {
            limited = true;
            continue;
        }
        uint64_t parts = (uint64_t)1 << order[pi];
        ctx->part = s->n_parts ? order[pi] : GS_NONE;
        if (!j->gpus) {
            uint32_t n = gs_cpu_place(s, j, ctx->part);
            if (n != GS_NONE) {
                out[0] = n;
                return GS_OK;
            }
            continue;
        }
        for (uint32_t mi = 0; mi < nm; mi++) {
            if (!gs_job_eligible(s, j, s->elig, parts,
                                 nm > 1 ? mi : GS_NONE))
                continue;
            ctx->prepared = false;
            ctx->reason[0] = '\0';
            gs_status st = s->policy->place(s->policy_state, ctx, req, out);
            if (st == GS_OK && !valid_answer(s, ctx, j, out))
                st = GS_EINVALID;
            if (st == GS_OK)
                return GS_OK;
            if (first == GS_OK) {
                first = st;
                memcpy(first_reason, ctx->reason, sizeof first_reason);
            }
        }
    }
    if (first == GS_OK) {
        first = GS_ENORES;
        if (!quiet && limited) {
            snprintf(first_reason, sizeof first_reason,
                     "its user is at the %slimit of every partition it may "
                     "use",
                     j->gpus ? "GPU " : "");
        } else if (!quiet) {
            char need[96] = "GPUs it accepts";
            if (!j->gpus)
                gs_cpu_need_text(j, need, sizeof need);
            snprintf(first_reason, sizeof first_reason,
                     "no node it may use has %s%s", need,
                     j->gpus ? "" : " free");
        }
    }
    memcpy(ctx->reason, first_reason, sizeof ctx->reason);
    return first;
}

/* A what-if placement (backfill, preemption): j's reason is left alone
 * and no text is made. */
bool gs_sched_place_quiet(gs_sched *s, const job_rec *j, uint32_t *out)
{
    gs_place_ctx ctx;
    gs_place_request req;
    return gs_ask_policy(s, j, out, &ctx, &req, true) == GS_OK;
}

/* Run the policy for j on the current state; on success the GPUs are in
 * out and nothing changed. On failure `why` says why. */
bool gs_sched_place_only(gs_sched *s, const job_rec *j, uint32_t *out,
                         plan_reason *why)
{
    gs_place_ctx ctx;
    gs_place_request req;
    gs_bf_settle(s); /* on the real state */
    gs_status st = gs_ask_policy(s, j, out, &ctx, &req, false);
    if (st == GS_OK)
        return true;
    bool policy_error = st != GS_ENORES;
    if (st != GS_ENORES && !ctx.reason[0])
        snprintf(ctx.reason, sizeof ctx.reason,
                 "placement policy \"%s\" failed: %s", s->policy->name,
                 gs_strerror(st));
    bool req_busy = false;
    for (size_t i = 0; i < j->n_required && !policy_error; i++)
        if (!gs_place_gpu_usable(&ctx, j->required[i]))
            req_busy = true;
    why_set(why,
            policy_error ? GS_REASON_POLICY
            : req_busy   ? GS_REASON_REQUIRED_BUSY
                         : GS_REASON_RESOURCES,
            LAZY_NONE);
    why->set |= WHY_TEXT;
    snprintf(why->text, sizeof why->text, "%s",
             ctx.reason[0] ? ctx.reason : "not enough free resources");
    return false;
}
