/*
 * The strings gpusched-slurm reads: the request job_submit.lua records in a
 * held job's admin_comment, Slurm's TRES lists and the IDX lists of a
 * running job's gres_detail_str. Pure string handling, no libslurm.
 */
#include "gss.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal number of at most 19 digits; *end past it. */
static bool read_u64(const char *s, const char **end, uint64_t *out)
{
    uint64_t v = 0;
    int n = 0;
    while (*s >= '0' && *s <= '9') {
        if (++n > 19)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
        s++;
    }
    *end = s;
    *out = v;
    return n > 0;
}

/* Whether the TRES entry p[0..len) is the GPU one ("gres:gpu", "gres/gpu",
 * with or without ":TYPE" and ":COUNT"). */
static bool is_gpu_entry(const char *p, size_t len)
{
    return len >= 8 &&
           (memcmp(p, "gres:gpu", 8) == 0 || memcmp(p, "gres/gpu", 8) == 0) &&
           (len == 8 || p[8] == ':');
}

int gss_tres_gpu(const char *tres, uint64_t *count, char *type, size_t cap)
{
    *count = 0;
    if (cap)
        type[0] = '\0';
    if (!tres)
        return 0;
    int found = 0;
    const char *p = tres;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        /* "gres:gpu..." or "gres/gpu..." (the spelling of later Slurms) */
        if (is_gpu_entry(p, len)) {
            if (found)
                return -1; /* two GPU entries */
            found = 1;
            /* the rest: "", ":N", ":TYPE" or ":TYPE:N" */
            const char *r = p + 8, *stop = p + len;
            uint64_t n = 1;
            if (r < stop) {
                r++; /* ':' */
                const char *colon = memchr(r, ':', (size_t)(stop - r));
                const char *num = colon ? colon + 1 : r;
                const char *end;
                bool digits = read_u64(num, &end, &n) && end == stop;
                bool numeric = num < stop;
                for (const char *q = num; q < stop; q++)
                    numeric &= *q >= '0' && *q <= '9';
                if (numeric && !digits)
                    return -1; /* a count too large */
                if (colon || !digits) {
                    /* a type: before the count, or alone (count 1) */
                    const char *tend = colon ? colon : stop;
                    size_t tl = (size_t)(tend - r);
                    if (tl == 0 || tl >= cap)
                        return -1;
                    for (size_t k = 0; k < tl; k++)
                        if (r[k] <= ' ' || r[k] > '~')
                            return -1;
                    memcpy(type, r, tl);
                    type[tl] = '\0';
                    if (colon && !digits)
                        return -1;
                    if (!colon)
                        n = 1;
                }
            }
            *count = n;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return found;
}

int gss_tres_without_gpu(const char *tres, char *out, size_t cap)
{
    size_t n = 0;
    if (cap)
        out[0] = '\0';
    const char *p = tres;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (!is_gpu_entry(p, len) && len) {
            if (n + len + 2 > cap)
                return -1;
            if (n)
                out[n++] = ',';
            memcpy(out + n, p, len);
            n += len;
            out[n] = '\0';
        }
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

int gss_gres_indexes(const char *detail, uint32_t *out, int max)
{
    static const int limit = GSS_MAX_GPUS;
    unsigned char seen[GSS_MAX_GPUS];
    memset(seen, 0, sizeof seen);
    const char *p = detail;
    while ((p = strstr(p, "IDX:")) != NULL) {
        p += 4;
        while (*p && *p != ')') {
            uint64_t lo, hi;
            const char *e;
            if (!read_u64(p, &e, &lo))
                return -1;
            hi = lo;
            p = e;
            if (*p == '-') {
                if (!read_u64(p + 1, &e, &hi) || hi < lo)
                    return -1;
                p = e;
            }
            if (hi >= (uint64_t)limit)
                return -1;
            for (uint64_t v = lo; v <= hi; v++)
                seen[v] = 1;
            if (*p == ',')
                p++;
            else if (*p != ')')
                return -1;
        }
        if (*p != ')')
            return -1;
    }
    int n = 0;
    for (int v = 0; v < limit; v++)
        if (seen[v]) {
            if (n == max)
                return -1;
            out[n++] = (uint32_t)v;
        }
    return n;
}

/* Copy a request value: "-" is none; it must fit. */
static bool put_value(char *dst, size_t cap, const char *v, size_t len)
{
    if (len == 1 && v[0] == '-')
        len = 0;
    if (len >= cap)
        return false;
    memcpy(dst, v, len);
    dst[len] = '\0';
    return true;
}

int gss_request_parse(const char *ac, gss_request *r, char *why, size_t cap)
{
    memset(r, 0, sizeof *r);
    size_t ml = strlen(GSS_MARK);
    if (!ac || strncmp(ac, GSS_MARK, ml) != 0 ||
        (ac[ml] != ' ' && ac[ml] != '\0')) {
        snprintf(why, cap, "admin_comment does not start with \"%s\"",
                 GSS_MARK);
        return -1;
    }
    const char *p = ac + ml;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *eq = strchr(p, '=');
        const char *end = strchr(p, ' ');
        if (!end)
            end = p + strlen(p);
        if (!eq || eq > end) {
            snprintf(why, cap, "request item \"%.*s\" has no '='",
                     (int)(end - p > 40 ? 40 : end - p), p);
            return -1;
        }
        size_t kl = (size_t)(eq - p), vl = (size_t)(end - eq - 1);
        const char *v = eq + 1;
        bool ok = true;
        if (kl == 3 && !memcmp(p, "job", 3))
            ok = put_value(r->tres_per_job, sizeof r->tres_per_job, v, vl);
        else if (kl == 4 && !memcmp(p, "node", 4))
            ok = put_value(r->tres_per_node, sizeof r->tres_per_node, v, vl);
        else if (kl == 3 && !memcmp(p, "cpg", 3))
            ok = put_value(r->cpus_per_tres, sizeof r->cpus_per_tres, v, vl);
        else if (kl == 3 && !memcmp(p, "mpg", 3))
            ok = put_value(r->mem_per_tres, sizeof r->mem_per_tres, v, vl);
        /* other keys: written by a later filter, ignored */
        if (!ok) {
            snprintf(why, cap, "request item %.*s is too long", (int)kl, p);
            return -1;
        }
        p = end;
    }
    uint64_t n = 0;
    char type[sizeof r->type];
    int fj = gss_tres_gpu(r->tres_per_job, &n, type, sizeof type);
    if (fj < 0) {
        snprintf(why, cap, "bad GPU request job=%s", r->tres_per_job);
        return -1;
    }
    if (fj) {
        if (n < 1 || n > UINT32_MAX) {
            snprintf(why, cap, "job=%s: GPU count out of range",
                     r->tres_per_job);
            return -1;
        }
        r->gpus_per_job = (uint32_t)n;
        memcpy(r->type, type, sizeof type);
    }
    int fn = gss_tres_gpu(r->tres_per_node, &n, type, sizeof type);
    if (fn < 0) {
        snprintf(why, cap, "bad GPU request node=%s", r->tres_per_node);
        return -1;
    }
    if (fn) {
        if (n < 1 || n > GSS_MAX_GPUS) {
            snprintf(why, cap, "node=%s: GPU count out of range",
                     r->tres_per_node);
            return -1;
        }
        r->gpus_per_node = (uint32_t)n;
        if (fj && strcmp(type, r->type) != 0) {
            snprintf(why, cap, "job=%s and node=%s name different types",
                     r->tres_per_job, r->tres_per_node);
            return -1;
        }
        memcpy(r->type, type, sizeof type);
    }
    if (!fj && !fn) {
        snprintf(why, cap, "no GPU request in job= or node=");
        return -1;
    }
    if (fj && fn && r->gpus_per_job % r->gpus_per_node) {
        snprintf(why, cap, "%u GPUs is not a multiple of %u per node",
                 r->gpus_per_job, r->gpus_per_node);
        return -1;
    }
    if (gss_tres_gpu(r->cpus_per_tres, &n, type, sizeof type) > 0) {
        if (n > 1024 * 1024) {
            snprintf(why, cap, "cpg=%s: out of range", r->cpus_per_tres);
            return -1;
        }
        r->cpus_per_gpu = (uint32_t)n;
    }
    if (gss_tres_gpu(r->mem_per_tres, &n, type, sizeof type) > 0) {
        if (n > ((uint64_t)1 << 43)) { /* MiB: 8 EiB */
            snprintf(why, cap, "mpg=%s: out of range", r->mem_per_tres);
            return -1;
        }
        r->mem_per_gpu = n;
    }
    return 0;
}

/* Whether a node's feature list ("a,b,c") has the feature f[0..len). */
static bool has_feature(const char *list, const char *f, size_t len)
{
    const char *p = list;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == len && memcmp(p, f, len) == 0)
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

/* A constraint of feature names joined by '&' (or ',') and '|' ('&' binds
 * tighter), evaluated on a node's features; -1 for what this reader does
 * not take (brackets, counts, '*', negation...). */
int gss_constraint_holds(const char *expr, const char *node_features)
{
    bool any = false, all = true;
    const char *p = expr;
    for (;;) {
        const char *e = p;
        while (*e && *e != '&' && *e != ',' && *e != '|')
            e++;
        size_t len = (size_t)(e - p);
        if (!len)
            return -1;
        for (size_t k = 0; k < len; k++) {
            char c = p[k];
            if (!(c == '_' || c == '-' || c == '.' || c == ':' ||
                  (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                  (c >= 'A' && c <= 'Z')))
                return -1;
        }
        all = all && has_feature(node_features, p, len);
        if (*e == '|' || !*e) {
            any = any || all;
            all = true;
        }
        if (!*e)
            return any;
        p = e + 1;
    }
}

void gss_snapshot_free(gss_snapshot *s)
{
    for (size_t i = 0; i < s->n_nodes; i++)
        free(s->nodes[i].name);
    free(s->nodes);
    for (size_t i = 0; i < s->n_jobs; i++) {
        gss_job *j = &s->jobs[i];
        free(j->user);
        free(j->account);
        free(j->comment);
        for (uint32_t k = 0; k < j->n_nodes; k++) {
            free(j->nodes[k].name);
            free(j->nodes[k].gpus);
        }
        free(j->nodes);
    }
    free(s->jobs);
    memset(s, 0, sizeof *s);
}
