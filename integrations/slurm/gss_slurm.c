/*
 * gpusched-slurm's side of libslurm: reading nodes and jobs into a
 * gss_snapshot, and the few job updates that apply decisions.
 */
#define _DEFAULT_SOURCE
#include "gss.h"

#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int fail(char *why, size_t cap, const char *what)
{
    int e = slurm_get_errno();
    snprintf(why, cap, "%s: %s", what, slurm_strerror(e));
    return -1;
}

/* Slurm's job_desc_msg_t takes char * for strings it only reads. */
static char *ro(const char *s)
{
    union {
        const char *c;
        char *m;
    } u = {s};
    return u.m;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static bool node_usable(uint32_t st)
{
    uint32_t base = st & NODE_STATE_BASE;
    if (base != NODE_STATE_IDLE && base != NODE_STATE_MIXED &&
        base != NODE_STATE_ALLOCATED)
        return false;
    return !(st & (NODE_STATE_DRAIN | NODE_STATE_FAIL |
                   NODE_STATE_NO_RESPOND | NODE_STATE_POWERED_DOWN));
}

/* GPUs a node's Gres= says it has: the sum of the gpu entries
 * ("gpu:g0:1(S:0),gpu:g1:1(S:0)" or "gpu:8(S:0-1)"). */
static uint64_t gres_gpu_count(const char *gres)
{
    uint64_t total = 0;
    const char *p = gres;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        /* a comma inside "(S:0-1)" is not an entry separator */
        const char *paren = memchr(p, '(', len);
        if (paren) {
            const char *close = strchr(paren, ')');
            if (close) {
                e = strchr(close, ',');
                len = e ? (size_t)(e - p) : strlen(p);
            }
        }
        if (len >= 3 && memcmp(p, "gpu", 3) == 0 &&
            (len == 3 || p[3] == ':' || p[3] == '(')) {
            /* the count: the last ':' field before '(' */
            const char *stop = memchr(p, '(', len);
            if (!stop)
                stop = p + len;
            const char *c = stop;
            while (c > p && c[-1] != ':')
                c--;
            uint64_t n = 0;
            bool digits = c < stop;
            for (const char *q = c; q < stop; q++) {
                if (*q < '0' || *q > '9') {
                    digits = false;
                    break;
                }
                if (n < ((uint64_t)1 << 40))
                    n = n * 10 + (uint64_t)(*q - '0');
            }
            total += digits ? n : 1;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return total;
}

int gss_slurm_check_nodes(const gs_topo *t, const char *gres_path,
                          char *why, size_t cap)
{
    node_info_msg_t *ni = NULL;
    if (slurm_load_node(0, &ni, SHOW_ALL) != SLURM_SUCCESS)
        return fail(why, cap, "slurm_load_node");
    int rc = 0;
    for (uint32_t i = 0; i < ni->record_count && rc == 0; i++) {
        const node_info_t *n = &ni->node_array[i];
        if (!n->name)
            continue;
        uint64_t want = gres_gpu_count(n->gres);
        uint32_t node = gs_topo_find_node(t, n->name);
        uint32_t have = node == GS_NONE ? 0 : gs_topo_node_gpu_count(t, node);
        if (want && node == GS_NONE) {
            snprintf(why, cap,
                     "node %s has %llu GPUs in slurm.conf (Gres=%s) but is "
                     "not in %s",
                     n->name, (unsigned long long)want, n->gres, gres_path);
            rc = 1;
        } else if (want != have && node != GS_NONE) {
            snprintf(why, cap,
                     "node %s: slurm.conf gives %llu GPUs (Gres=%s), %s %u",
                     n->name, (unsigned long long)want,
                     n->gres ? n->gres : "", gres_path, have);
            rc = 1;
        }
    }
    slurm_free_node_info_msg(ni);
    return rc;
}

/* The local GPU indexes of a pinned job on one node, from its typed
 * request ("gres:gpu:g5:1,gres:gpu:g7:1"): each type is the model of one GPU
 * of the node. -1 when a type is not a GPU of the node. */
static int pinned_gpus(const gs_topo *t, uint32_t node, const char *tres,
                       uint32_t *out, uint32_t max)
{
    uint32_t n = 0, first = gs_topo_node_first_gpu(t, node);
    uint32_t cnt = gs_topo_node_gpu_count(t, node);
    const char *p = tres;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char item[256];
        if (len >= sizeof item)
            return -1;
        memcpy(item, p, len);
        item[len] = '\0';
        uint64_t c = 0;
        char type[128];
        int f = gss_tres_gpu(item, &c, type, sizeof type);
        if (f < 0)
            return -1;
        if (f > 0) {
            if (!type[0] || c != 1)
                return -1; /* untyped: not pinned by us */
            uint32_t g = 0;
            for (; g < cnt; g++) {
                gs_gpu_info gi = GS_GPU_INFO_INIT;
                gs_topo_gpu_info(t, first + g, &gi);
                if (gi.model && strcmp(gi.model, type) == 0)
                    break;
            }
            if (g == cnt || n == max)
                return -1;
            out[n++] = g;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return (int)n;
}

/* The nodes of a hostlist, in order, each with its GPUs (from gres_detail
 * entries for running jobs, from the typed request for pinned ones). */
static int job_nodes(const gs_topo *t, const slurm_job_info_t *ji,
                     bool pinned, gss_job *j)
{
    const char *list = pinned ? ji->req_nodes : ji->nodes;
    if (!list || !*list)
        return 0;
    hostlist_t hl = slurm_hostlist_create(list);
    if (!hl)
        return -1;
    char *host;
    uint32_t k = 0;
    uint32_t *idx = malloc(GSS_MAX_GPUS * sizeof *idx);
    int rc = idx ? 0 : -1;
    while (rc == 0 && (host = slurm_hostlist_shift(hl)) != NULL) {
        int n = 0;
        if (pinned) {
            uint32_t node = gs_topo_find_node(t, host);
            n = node == GS_NONE
                    ? -1
                    : pinned_gpus(t, node, ji->tres_per_node, idx,
                                  GSS_MAX_GPUS);
        } else if (k < ji->gres_detail_cnt) {
            n = gss_gres_indexes(ji->gres_detail_str[k], idx, GSS_MAX_GPUS);
        }
        k++;
        if (n <= 0) {
            free(host);
            continue; /* no GPU of ours on this node */
        }
        gss_job_node *nn = realloc(j->nodes, (j->n_nodes + 1) * sizeof *nn);
        if (!nn) {
            free(host);
            rc = -1;
            break;
        }
        j->nodes = nn;
        gss_job_node *jn = &nn[j->n_nodes];
        jn->name = strdup(host);
        jn->gpus = malloc((size_t)n * sizeof *jn->gpus);
        jn->n_gpus = (uint32_t)n;
        free(host);
        if (!jn->name || !jn->gpus) {
            free(jn->name);
            free(jn->gpus);
            rc = -1;
            break;
        }
        memcpy(jn->gpus, idx, (size_t)n * sizeof *idx);
        j->n_nodes++;
    }
    free(idx);
    slurm_hostlist_destroy(hl);
    return rc;
}

static char *user_name(const slurm_job_info_t *ji)
{
    if (ji->user_name && *ji->user_name)
        return strdup(ji->user_name);
    struct passwd *pw = getpwuid(ji->user_id);
    if (pw && pw->pw_name)
        return strdup(pw->pw_name);
    char buf[32];
    snprintf(buf, sizeof buf, "uid%u", ji->user_id);
    return strdup(buf);
}

/* Whether a partition's nodes hold every node of the topology. */
static bool partition_spans(const gs_topo *t, const partition_info_t *p)
{
    uint32_t nn = gs_topo_node_count(t), found = 0;
    if (!p->nodes || !*p->nodes)
        return nn == 0;
    hostlist_t hl = slurm_hostlist_create(p->nodes);
    if (!hl)
        return false;
    unsigned char *seen = calloc(nn ? nn : 1, 1);
    char *host;
    while (seen && (host = slurm_hostlist_shift(hl)) != NULL) {
        uint32_t n = gs_topo_find_node(t, host);
        if (n != GS_NONE && !seen[n]) {
            seen[n] = 1;
            found++;
        }
        free(host);
    }
    free(seen);
    slurm_hostlist_destroy(hl);
    return found == nn;
}

/* Whether one of a job's partitions (a comma-separated list) spans the
 * topology; *name receives the first one. */
static bool job_partition_ok(const gs_topo *t, const partition_info_msg_t *pm,
                             const char *list, char *name, size_t cap)
{
    snprintf(name, cap, "%s", list ? list : "");
    char *comma = strchr(name, ',');
    if (comma)
        *comma = '\0';
    const char *p = list;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        for (uint32_t i = 0; i < pm->record_count; i++) {
            const partition_info_t *pi = &pm->partition_array[i];
            if (pi->name && strlen(pi->name) == len &&
                memcmp(pi->name, p, len) == 0 && partition_spans(t, pi))
                return true;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

/* Whether a job's constraint holds on every GPU node of the topology. */
static bool features_everywhere(const gs_topo *t, const node_info_msg_t *ni,
                                const char *expr)
{
    if (!expr || !*expr)
        return true;
    uint32_t ok = 0;
    for (uint32_t i = 0; i < ni->record_count; i++) {
        const node_info_t *n = &ni->node_array[i];
        if (!n->name || gs_topo_find_node(t, n->name) == GS_NONE)
            continue;
        const char *f = n->features_act && *n->features_act
                            ? n->features_act
                            : n->features;
        if (gss_constraint_holds(expr, f ? f : "") != 1)
            return false;
        ok++;
    }
    return ok == gs_topo_node_count(t);
}

int gss_slurm_read(const gs_topo *t, gss_snapshot *s, char *why, size_t cap)
{
    memset(s, 0, sizeof *s);
    s->now = (int64_t)time(NULL);
    node_info_msg_t *ni = NULL;
    job_info_msg_t *jm = NULL;
    if (slurm_load_node(0, &ni, SHOW_ALL) != SLURM_SUCCESS)
        return fail(why, cap, "slurm_load_node");
    if (slurm_load_jobs(0, &jm, SHOW_ALL | SHOW_DETAIL) != SLURM_SUCCESS) {
        slurm_free_node_info_msg(ni);
        return fail(why, cap, "slurm_load_jobs");
    }
    partition_info_msg_t *pm = NULL;
    if (slurm_load_partitions(0, &pm, SHOW_ALL) != SLURM_SUCCESS) {
        slurm_free_node_info_msg(ni);
        slurm_free_job_info_msg(jm);
        return fail(why, cap, "slurm_load_partitions");
    }
    int rc = -1;
    s->nodes = calloc(ni->record_count ? ni->record_count : 1,
                      sizeof *s->nodes);
    s->jobs = calloc(jm->record_count ? jm->record_count : 1,
                     sizeof *s->jobs);
    if (!s->nodes || !s->jobs)
        goto oom;
    for (uint32_t i = 0; i < ni->record_count; i++) {
        const node_info_t *n = &ni->node_array[i];
        if (!n->name)
            continue;
        gss_node *g = &s->nodes[s->n_nodes];
        if (!(g->name = strdup(n->name)))
            goto oom;
        g->usable = node_usable(n->node_state);
        s->n_nodes++;
    }
    for (uint32_t i = 0; i < jm->record_count; i++) {
        const slurm_job_info_t *ji = &jm->job_array[i];
        uint32_t base = ji->job_state & JOB_STATE_BASE;
        bool ours = ji->admin_comment &&
                    strncmp(ji->admin_comment, GSS_MARK,
                            strlen(GSS_MARK)) == 0;
        gss_job j;
        memset(&j, 0, sizeof j);
        j.id = ji->job_id;
        if (base == JOB_PENDING && ours && ji->priority == 0) {
            char rwhy[256];
            if (gss_request_parse(ji->admin_comment, &j.req, rwhy,
                                  sizeof rwhy) != 0)
                continue; /* not a request we can read: left alone */
            j.kind = GSS_JOB_HELD;
            j.partition_ok = job_partition_ok(t, pm, ji->partition,
                                              j.partition,
                                              sizeof j.partition);
            j.features_ok = features_everywhere(t, ni, ji->features);
            snprintf(j.features, sizeof j.features, "%s",
                     ji->features ? ji->features : "");
        } else if (base == JOB_PENDING && ours) {
            j.kind = GSS_JOB_PINNED;
        } else if (base == JOB_RUNNING || base == JOB_SUSPENDED ||
                   (ji->job_state & JOB_COMPLETING)) {
            if (!ji->gres_detail_cnt)
                continue;
            j.kind = GSS_JOB_RUNNING;
        } else {
            continue;
        }
        j.submit = (int64_t)ji->submit_time;
        j.end = (int64_t)ji->end_time;
        j.time_limit = ji->time_limit == INFINITE || ji->time_limit == NO_VAL
                           ? 0
                           : (int64_t)ji->time_limit * 60;
        j.min_nodes = ji->num_nodes == NO_VAL ? 0 : ji->num_nodes;
        j.max_nodes = ji->max_nodes == NO_VAL ? 0 : ji->max_nodes;
        j.user = user_name(ji);
        j.account = ji->account && *ji->account ? strdup(ji->account) : NULL;
        j.comment = dup_or_empty(ji->comment);
        if (gss_tres_without_gpu(ji->tres_per_node, j.tres_node_rest,
                                 sizeof j.tres_node_rest) != 0 ||
            gss_tres_without_gpu(ji->tres_per_job, j.tres_job_rest,
                                 sizeof j.tres_job_rest) != 0) {
            free(j.user);
            free(j.account);
            free(j.comment);
            continue; /* TRES lists too long for us: left alone */
        }
        if (!j.user || !j.comment ||
            (j.kind != GSS_JOB_HELD &&
             job_nodes(t, ji, j.kind == GSS_JOB_PINNED, &j) != 0)) {
            s->jobs[s->n_jobs++] = j; /* freed with the snapshot */
            goto oom;
        }
        if (j.kind != GSS_JOB_HELD && j.n_nodes == 0) {
            free(j.user);
            free(j.account);
            free(j.comment);
            continue; /* holds no GPU gpusched knows */
        }
        s->jobs[s->n_jobs++] = j;
    }
    rc = 0;
    goto done;
oom:
    snprintf(why, cap, "out of memory");
    gss_snapshot_free(s);
done:
    slurm_free_node_info_msg(ni);
    slurm_free_job_info_msg(jm);
    slurm_free_partition_info_msg(pm);
    return rc;
}

static int update(job_desc_msg_t *d, char *why, size_t cap)
{
    if (slurm_update_job(d) != SLURM_SUCCESS) {
        char what[64];
        snprintf(what, sizeof what, "job %u: update", d->job_id);
        return fail(why, cap, what);
    }
    return 0;
}

int gss_slurm_start(const gss_job *j, const gss_decision *d, char *why,
                    size_t cap)
{
    job_desc_msg_t m;
    slurm_init_job_desc_msg(&m);
    m.job_id = j->id;
    m.req_nodes = d->req_nodes;
    /* the GPUs, with the job's other GRES, and what went with them
     * (cpus/mem per GPU) */
    char node[1024], job[1024];
    const char *gn = d->tres_per_node ? d->tres_per_node : "";
    const char *gj = d->tres_per_job ? d->tres_per_job : "";
    snprintf(node, sizeof node, "%s%s%s", gn,
             *gn && j->tres_node_rest[0] ? "," : "", j->tres_node_rest);
    snprintf(job, sizeof job, "%s%s%s", gj,
             *gj && j->tres_job_rest[0] ? "," : "", j->tres_job_rest);
    m.tres_per_node = node;
    m.tres_per_job = job;
    if (j->req.cpus_per_tres[0])
        m.cpus_per_tres = ro(j->req.cpus_per_tres);
    if (j->req.mem_per_tres[0])
        m.mem_per_tres = ro(j->req.mem_per_tres);
    uint32_t nodes = 1;
    for (const char *p = d->req_nodes; *p; p++)
        nodes += *p == ',';
    m.min_nodes = nodes;
    m.max_nodes = nodes;
    if (GSS_COMMENT_OURS(j->comment))
        m.comment = ro("");
    /* released in the same RPC: Slurm cannot start it before the pin */
    m.priority = INFINITE;
    return update(&m, why, cap);
}

int gss_slurm_giveback(const gss_job *j, char *why, size_t cap)
{
    job_desc_msg_t m;
    slurm_init_job_desc_msg(&m);
    m.job_id = j->id;
    if (j->req.tres_per_job[0])
        m.tres_per_job = ro(j->req.tres_per_job);
    if (j->req.tres_per_node[0])
        m.tres_per_node = ro(j->req.tres_per_node);
    if (j->req.cpus_per_tres[0])
        m.cpus_per_tres = ro(j->req.cpus_per_tres);
    if (j->req.mem_per_tres[0])
        m.mem_per_tres = ro(j->req.mem_per_tres);
    if (GSS_COMMENT_OURS(j->comment))
        m.comment = ro("");
    m.priority = INFINITE;
    return update(&m, why, cap);
}

int gss_slurm_comment(uint32_t job, const char *comment, char *why,
                      size_t cap)
{
    job_desc_msg_t m;
    slurm_init_job_desc_msg(&m);
    m.job_id = job;
    m.comment = ro(comment);
    return update(&m, why, cap);
}

int gss_slurm_hold(const gss_job *j, const char *comment, char *why,
                   size_t cap)
{
    job_desc_msg_t m;
    slurm_init_job_desc_msg(&m);
    m.job_id = j->id;
    m.priority = 0;
    /* the GPUs it was given go, in the same RPC: Slurm 22.05 keeps a typed
     * GPU entry that a later update leaves out (g7:1, then g5:1, gives
     * both), but drops them all when the list is set without them */
    m.tres_per_node = ro(j->tres_node_rest);
    m.tres_per_job = ro(j->tres_job_rest);
    if (comment)
        m.comment = ro(comment);
    return update(&m, why, cap);
}
