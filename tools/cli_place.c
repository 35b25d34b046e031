/*
 * gpusched place: one-shot placement decisions, e.g. for a device plugin.
 *
 *   gpusched place --topo SRC --gpus N[,N...] [--free LIST | --busy LIST]
 *                  [--require LIST] [--placement NAME] [--pattern P]
 *                  [--numa MODE] [--demand LIST] [--no-lookahead]
 *                  [--gpu-milli N[,N...]] [--gpu-mem SIZE[,SIZE...]]
 *                  [--running LIST] [--frag-classes SPEC]
 *                  [--mig PROFILE[,PROFILE...]] [--json] [--out FILE]
 *
 * Several sizes are successive jobs; none is freed. Each job prints one
 * line: its GPUs ("0,4"), or an empty line (and the reason on stderr); a
 * shared job's line goes on with its MPS settings as NAME=VALUE words, and
 * what its GPUs hold now goes to stderr; a MIG job's with its instances
 * (mig=PROFILE@START, #N for an admin's instance) and, when their UUIDs
 * are known, CUDA_VISIBLE_DEVICES; with --pattern, each placed job's
 * bandwidth model goes to stderr too. With --json, one document
 * (docs/cli.md) that has the quality, the model, the share and the MPS
 * settings. Exit 0 when every job was placed, 3 when one could not be, 2
 * for bad arguments, 1 when the topology cannot be loaded.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define MAX_JOBS 256
/* gs_job_spec::gpu_mem's bound */
#define GPU_MEM_MAX ((uint64_t)1 << 56)
/* gs_sched_set_frag_classes's bounds */
#define FRAG_MAX_GPUS 64
#define FRAG_MAX_WEIGHT 1e15

enum {
    PLACE_GPUS,
    PLACE_FREE,
    PLACE_BUSY,
    PLACE_REQUIRE,
    PLACE_POLICY,
    PLACE_MILLI,
    PLACE_MEM,
    PLACE_RUNNING,
    PLACE_FRAG,
    PLACE_MIG
};
static const cli_option place_options[] = {
    CLI_OPTION_TOPO(NULL, CLI_REQUIRED),
    {PLACE_GPUS, "--gpus", NULL, "N[,N...]", NULL,
     "GPUs each job asks for; several sizes are successive jobs, none of "
     "which ends (at most 256)",
     CLI_REQUIRED},
    {PLACE_FREE, "--free", NULL, "LIST", "every GPU",
     "the GPUs that are free, like 0,2,4-5 (cluster-wide indices when the "
     "topology has several nodes)",
     0},
    {PLACE_BUSY, "--busy", NULL, "LIST", "none",
     "the GPUs that are in use (instead of --free)", 0},
    {PLACE_REQUIRE, "--require", NULL, "LIST", "none",
     "GPUs the first job must include", 0},
    {PLACE_POLICY, "--placement", "--policy", "NAME", "nvlink-pack",
     "the placement policy: first-fit, best-fit, spread, nvlink-pack, "
     "frag-aware or fgd (the last two put a shared job where the "
     "fragmentation of free GPU capacity grows least, see --frag-classes)",
     0},
    CLI_OPTION_PATTERN("any",
                       "how the jobs communicate, which sets the bandwidth "
                       "model placement maximizes: any (Q(S), the sum of "
                       "the pair bandwidths), ring (ring all-reduce), "
                       "all-to-all, chain (pipeline) or none; with it, "
                       "each job's model goes to standard error"),
    CLI_OPTIONS_TUNING,
    {PLACE_MILLI, "--gpu-milli", NULL, "N[,N...]", "1000: whole GPUs",
     "the share of each of its GPUs a job asks for, in milli-GPU: 1 to 1000 "
     "(500 is half a GPU); one value for every job, or one per job of "
     "--gpus. A shared job (below 1000) runs on one node beside other "
     "shared jobs, and its line goes on with its CUDA MPS settings",
     0},
    {PLACE_MEM, "--gpu-mem", NULL, "SIZE[,SIZE...]", "0: not counted",
     "device memory per GPU a shared job uses (whole GPUs: the least a GPU "
     "must have), bytes with an optional K, M, G or T suffix (powers of "
     "1024), at most 2^56, or 0; one value for every job, or one per job",
     0},
    {PLACE_RUNNING, "--running", NULL, "LIST", "none",
     "shared jobs already running: GPU:MILLI[:SIZE] entries separated by "
     "commas, each one job's share of a GPU (1 to 999) and its device "
     "memory, like 0:500,0:250:4G,3:300 (a GPU held whole is --busy)",
     0},
    {PLACE_FRAG, "--frag-classes", NULL, "SPEC",
     "frag-aware and fgd: the kinds of job asked by --gpus",
     "the job mix the fragmentation measure judges free GPU capacity by: "
     "GPUS[xMILLI][:KEY=VALUE...] classes separated by commas, keys cpus, "
     "mem and weight, like 1x1000:cpus=4,1x500,2x1000:weight=2 (GPUs 1 to "
     "64, MILLI 1 to 1000, default 1000; weights above 0, at most 1e15, "
     "default 1; at most 32 classes); with it the measure is reported "
     "whatever the policy",
     0},
    {PLACE_MIG, "--mig", NULL, "PROFILE[,PROFILE...]", "none",
     "a MIG instance of this profile on each of a job's GPUs, like 3g.40gb "
     "or 1g.10gb+me (- for a job without); one profile for every job, or "
     "one per job of --gpus. Only GPUs the topology puts in MIG mode (a "
     "node's \"mig\" in JSON, or the probe) take them; their line goes on "
     "with the instances and CUDA_VISIBLE_DEVICES",
     0},
    CLI_OPTION_JSON("write one JSON document: {\"placements\": [{\"job\", "
                    "\"gpus_requested\", \"gpus\", \"nodes\", \"quality\", "
                    "\"pattern\", \"bandwidth\", \"gpu_milli\", "
                    "\"gpu_mem\", \"mps_env\", \"gpu_use\", "
                    "\"mig_profile\", \"mig\", \"cuda_visible_devices\", "
                    "\"reason\"}...], \"placed\", \"not_placed\", "
                    "\"fragmentation\"}"),
    CLI_OPTION_OUT,
    {.name = NULL}};

static int parse_sizes(cli_args *a, uint32_t *sizes, uint32_t *nsizes)
{
    const char *s = a->val[PLACE_GPUS];
    *nsizes = 0;
    for (const char *p = s;;) {
        char num[24];
        size_t w = strspn(p, "0123456789");
        uint64_t v = 0;
        if (w && w < sizeof num) {
            memcpy(num, p, w);
            num[w] = '\0';
        }
        if (!w || w >= sizeof num ||
            cli_parse_u64(num, UINT32_MAX, &v) != 0 || v == 0 ||
            (p[w] && p[w] != ',') || (p[w] == ',' && !p[w + 1]))
            return cli_usage_error(a, "--gpus '%s': want GPU counts from 1 "
                                      "to 4294967295, like 2 or 1,1,2",
                                   s);
        if (*nsizes == MAX_JOBS)
            return cli_usage_error(a, "--gpus '%s': at most %d jobs", s,
                                   MAX_JOBS);
        sizes[(*nsizes)++] = (uint32_t)v;
        if (!p[w])
            return CLI_OK;
        p += w + 1;
    }
}

/* ---- shares ------------------------------------------------------------- */

/* One share in milli-GPU, 1 to max (digits only). */
static int parse_milli(const char *s, uint64_t max, uint32_t *out)
{
    uint64_t v;
    if (cli_parse_u64(s, max, &v) != 0 || v == 0)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* A device memory size: 0, or what cli_parse_bytes takes, up to 2^56. */
static int parse_gpu_mem(const char *s, uint64_t *out)
{
    if (!strcmp(s, "0")) {
        *out = 0;
        return 0;
    }
    if (cli_parse_bytes(s, out) != 0 || *out > GPU_MEM_MAX)
        return -1;
    return 0;
}

/* --gpu-milli and --gpu-mem: one value for every job, or one per job.
 * want names what a value is for the message. */
static int parse_per_job(cli_args *a, int id, const char *opt,
                         const char *want, uint32_t njobs, uint32_t *milli,
                         uint64_t *mem)
{
    const char *s = a->val[id];
    uint32_t n = 0;
    for (const char *p = s;; n++) {
        size_t len = strcspn(p, ",");
        char item[32];
        uint32_t one;
        uint64_t bytes;
        if (len == 0 || len >= sizeof item)
            goto bad;
        memcpy(item, p, len);
        item[len] = '\0';
        if (milli ? parse_milli(item, 1000, &one) != 0
                  : parse_gpu_mem(item, &bytes) != 0)
            goto bad;
        if (n == njobs)
            return cli_usage_error(a, "%s '%s': more values than the %u "
                                      "job%s of --gpus (give one for every "
                                      "job, or one per job)",
                                   opt, s, njobs, njobs == 1 ? "" : "s");
        if (milli)
            milli[n] = one;
        else
            mem[n] = bytes;
        if (!p[len])
            break;
        p += len + 1;
        continue;
    bad:
        return cli_usage_error(a, "%s '%s': '%.*s' at column %zu: want %s",
                               opt, s, (int)(len < 40 ? len : 40), p,
                               (size_t)(p - s) + 1, want);
    }
    n++;
    if (n == 1) {
        for (uint32_t k = 1; k < njobs; k++) {
            if (milli)
                milli[k] = milli[0];
            else
                mem[k] = mem[0];
        }
    } else if (n != njobs) {
        return cli_usage_error(a, "%s '%s': %u values for the %u job%s of "
                                  "--gpus (give one for every job, or one "
                                  "per job)",
                               opt, s, n, njobs, njobs == 1 ? "" : "s");
    }
    return CLI_OK;
}

/* One shared job already running (--running). */
typedef struct running_share {
    uint32_t gpu, milli;
    uint64_t mem;
    const char *text; /* the entry in --running's value */
    size_t len;
} running_share;

/* --running GPU:MILLI[:SIZE],...: GPUs below n, shares of each GPU adding
 * up to 1000 at most. */
static int parse_running(cli_args *a, const gs_topo *t, running_share **out,
                         size_t *nout)
{
    const char *s = a->val[PLACE_RUNNING];
    uint32_t n = gs_topo_gpu_count(t);
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    running_share *r = calloc(cap, sizeof *r);
    uint32_t *sum = calloc(n + 1, sizeof *sum);
    uint64_t *sum_mem = calloc(n + 1, sizeof *sum_mem);
    size_t k = 0;
    int rc = CLI_OK;
    if (!r || !sum || !sum_mem) {
        rc = cli_fail(a, "out of memory");
        goto out;
    }
    for (const char *p = s;; k++) {
        size_t len = strcspn(p, ",");
        size_t col = (size_t)(p - s) + 1;
        char item[64], *milli, *mem;
        uint64_t g;
        if (len == 0 || len >= sizeof item)
            goto bad;
        memcpy(item, p, len);
        item[len] = '\0';
        milli = strchr(item, ':');
        if (!milli)
            goto bad;
        *milli++ = '\0';
        mem = strchr(milli, ':');
        if (mem)
            *mem++ = '\0';
        if (cli_parse_u64(item, UINT32_MAX, &g) != 0 || g >= n) {
            rc = cli_usage_error(a, "--running '%s': GPU '%s' at column %zu: "
                                    "the topology has GPUs 0-%u",
                                 s, item, col, n ? n - 1 : 0);
            goto out;
        }
        if (parse_milli(milli, 999, &r[k].milli) != 0) {
            rc = cli_usage_error(a, "--running '%s': share '%s' at column "
                                    "%zu: want milli-GPU from 1 to 999 (a "
                                    "GPU held whole is --busy)",
                                 s, milli, col + strlen(item) + 1);
            goto out;
        }
        if (mem && parse_gpu_mem(mem, &r[k].mem) != 0) {
            rc = cli_usage_error(a, "--running '%s': memory '%s' at column "
                                    "%zu: want bytes with an optional K, M, "
                                    "G or T suffix, at most 2^56",
                                 s, mem,
                                 col + strlen(item) + strlen(milli) + 2);
            goto out;
        }
        r[k].gpu = (uint32_t)g;
        r[k].text = p;
        r[k].len = len;
        sum[g] += r[k].milli;
        if (sum[g] > 1000) {
            rc = cli_usage_error(a, "--running '%s': the shares of GPU %u "
                                    "add up to %u milli-GPU at column %zu, "
                                    "more than the 1000 of a GPU",
                                 s, r[k].gpu, sum[g], col);
            goto out;
        }
        /* device memory, when the topology knows the GPU's */
        gs_gpu_info gi;
        gs_gpu_info_init(&gi);
        sum_mem[g] += r[k].mem;
        if (r[k].mem && gs_topo_gpu_info(t, r[k].gpu, &gi) == GS_OK &&
            gi.memory_bytes && sum_mem[g] > gi.memory_bytes) {
            rc = cli_usage_error(a, "--running '%s': the device memory of "
                                    "GPU %u's shares adds up to %llu MiB at "
                                    "column %zu, more than its %llu MiB",
                                 s, r[k].gpu,
                                 (unsigned long long)(sum_mem[g] >> 20), col,
                                 (unsigned long long)(gi.memory_bytes >> 20));
            goto out;
        }
        if (!p[len])
            break;
        p += len + 1;
        continue;
    bad:
        rc = cli_usage_error(a, "--running '%s': '%.*s' at column %zu: want "
                                "GPU:MILLI or GPU:MILLI:SIZE entries "
                                "separated by commas, like 0:500,3:250:4G",
                             s, (int)(len < 40 ? len : 40), p, col);
        goto out;
    }
    *out = r;
    *nout = k + 1;
    r = NULL;
out:
    free(r);
    free(sum);
    free(sum_mem);
    return rc;
}

/* One --frag-classes class, GPUS[xMILLI][:KEY=VALUE...], len bytes at p
 * (column col of the value). */
static int parse_frag_class(const cli_args *a, const char *spec,
                            const char *p, size_t len, size_t col,
                            gs_frag_class *c)
{
    char buf[128];
    if (len == 0)
        return cli_usage_error(a, "--frag-classes '%s': an empty class at "
                                  "column %zu (want GPUS[xMILLI][:KEY=VALUE"
                                  "...] classes separated by commas)",
                               spec, col);
    if (len >= sizeof buf)
        return cli_usage_error(a, "--frag-classes '%s': the class at column "
                                  "%zu is too long",
                               spec, col);
    memcpy(buf, p, len);
    buf[len] = '\0';
    *c = (gs_frag_class){0, 1000, 0, 0, 1.0};
    /* GPUS[xMILLI] */
    char *key = strchr(buf, ':');
    if (key)
        *key++ = '\0';
    char *x = strchr(buf, 'x');
    if (x)
        *x++ = '\0';
    uint64_t v;
    if (cli_parse_u64(buf, FRAG_MAX_GPUS, &v) != 0 || v == 0)
        return cli_usage_error(a, "--frag-classes '%s': GPUs '%s' at column "
                                  "%zu: want 1 to 64 (a class is "
                                  "GPUS[xMILLI][:KEY=VALUE...], like "
                                  "1x500:cpus=4)",
                               spec, buf, col);
    c->gpus = (uint32_t)v;
    if (x && parse_milli(x, 1000, &c->gpu_milli) != 0)
        return cli_usage_error(a, "--frag-classes '%s': share '%s' at column "
                                  "%zu: want milli-GPU from 1 to 1000",
                               spec, x, col + (size_t)(x - buf));
    bool seen[3] = {false, false, false};
    while (key) {
        size_t kcol = col + (size_t)(key - buf);
        char *next = strchr(key, ':');
        if (next)
            *next++ = '\0';
        char *val = strchr(key, '=');
        int which = -1;
        if (val) {
            *val++ = '\0';
            which = !strcmp(key, "cpus")     ? 0
                    : !strcmp(key, "mem")    ? 1
                    : !strcmp(key, "weight") ? 2
                                             : -1;
        }
        if (which < 0)
            return cli_usage_error(a, "--frag-classes '%s': '%s%s%s' at "
                                      "column %zu: want cpus=N, mem=SIZE or "
                                      "weight=W",
                                   spec, key, val ? "=" : "", val ? val : "",
                                   kcol);
        if (seen[which])
            return cli_usage_error(a, "--frag-classes '%s': %s at column "
                                   "%zu is there twice in its class",
                                   spec, key, kcol);
        seen[which] = true;
        size_t vcol = kcol + strlen(key) + 1;
        if (which == 0) {
            if (cli_parse_u64(val, UINT32_MAX, &v) != 0)
                return cli_usage_error(a, "--frag-classes '%s': cpus '%s' at "
                                          "column %zu: want 0 to 4294967295 "
                                          "(the class's CPUs in all)",
                                       spec, val, vcol);
            c->cpus = (uint32_t)v;
        } else if (which == 1) {
            if (strcmp(val, "0") != 0 && cli_parse_bytes(val, &c->mem) != 0)
                return cli_usage_error(a, "--frag-classes '%s': mem '%s' at "
                                          "column %zu: want bytes with an "
                                          "optional K, M, G or T suffix (the "
                                          "class's memory in all)",
                                       spec, val, vcol);
        } else if (cli_parse_double(val, &c->weight) != 0 ||
                   !(c->weight > 0) || !(c->weight <= FRAG_MAX_WEIGHT)) {
            return cli_usage_error(a, "--frag-classes '%s': weight '%s' at "
                                      "column %zu: want a number above 0, at "
                                      "most 1e15",
                                   spec, val, vcol);
        }
        key = next;
    }
    return CLI_OK;
}

static int parse_frag_classes(const cli_args *a, gs_frag_class *c,
                              size_t *cols, size_t *n)
{
    const char *spec = a->val[PLACE_FRAG];
    *n = 0;
    for (const char *p = spec; p;) {
        size_t len = strcspn(p, ","), col = (size_t)(p - spec) + 1;
        if (*n == GS_MAX_FRAG_CLASSES)
            return cli_usage_error(a, "--frag-classes '%s': at most %d "
                                      "classes (column %zu starts the "
                                      "33rd)",
                                   spec, GS_MAX_FRAG_CLASSES, col);
        gs_frag_class *e = &c[*n];
        if (parse_frag_class(a, spec, p, len, col, e) != CLI_OK)
            return CLI_USAGE;
        for (size_t i = 0; i < *n; i++)
            if (c[i].gpus == e->gpus && c[i].gpu_milli == e->gpu_milli &&
                c[i].cpus == e->cpus && c[i].mem == e->mem)
                return cli_usage_error(a, "--frag-classes '%s': the class at "
                                          "column %zu repeats the one at "
                                          "column %zu",
                                       spec, col, cols[i]);
        cols[(*n)++] = col;
        p = p[len] ? p + len + 1 : NULL;
    }
    return CLI_OK;
}

/* frag-aware's and fgd's mix without --frag-classes: the kinds of job
 * --gpus asks for, each weighing the number of jobs of its kind, as the
 * library would learn them (a whole job larger than every node is left
 * out; at most GS_MAX_FRAG_CLASSES kinds, the most frequent). */
static uint32_t biggest_node(const gs_topo *t)
{
    uint32_t biggest = 0;
    for (uint32_t n = 0; n < gs_topo_node_count(t); n++)
        if (gs_topo_node_gpu_count(t, n) > biggest)
            biggest = gs_topo_node_gpu_count(t, n);
    return biggest;
}

static size_t jobs_mix(const gs_topo *t, const uint32_t *sizes,
                       const uint32_t *milli, uint32_t njobs,
                       gs_frag_class *c)
{
    uint32_t biggest = biggest_node(t);
    gs_frag_class kinds[MAX_JOBS];
    size_t nk = 0;
    for (uint32_t k = 0; k < njobs; k++) {
        if (sizes[k] > FRAG_MAX_GPUS || sizes[k] > biggest)
            continue;
        size_t i = 0;
        while (i < nk && !(kinds[i].gpus == sizes[k] &&
                           kinds[i].gpu_milli == milli[k]))
            i++;
        if (i == nk)
            kinds[nk++] = (gs_frag_class){sizes[k], milli[k], 0, 0, 0};
        kinds[i].weight += 1;
    }
    /* the most frequent first (stable: the order of --gpus on ties) */
    for (size_t i = 1; i < nk; i++) {
        gs_frag_class v = kinds[i];
        size_t k = i;
        while (k > 0 && kinds[k - 1].weight < v.weight) {
            kinds[k] = kinds[k - 1];
            k--;
        }
        kinds[k] = v;
    }
    if (nk > GS_MAX_FRAG_CLASSES)
        nk = GS_MAX_FRAG_CLASSES;
    memcpy(c, kinds, nk * sizeof *c);
    return nk;
}

/* ---- MIG ------------------------------------------------------------------ */

/* --mig: one profile for every job or one per job ("-": none); each a
 * profile of some MIG table. The names point into copy (cap bytes). */
static int parse_mig(cli_args *a, uint32_t nsizes, const char **mig,
                     char *copy, size_t cap)
{
    const char *v = a->val[PLACE_MIG];
    if (strlen(v) >= cap)
        return cli_usage_error(a, "--mig: %zu characters, at most %zu",
                               strlen(v), cap - 1);
    memcpy(copy, v, strlen(v) + 1);
    const char *item[MAX_JOBS];
    size_t col[MAX_JOBS];
    uint32_t n = 0;
    for (char *p = copy;;) {
        char *end = strchr(p, ',');
        if (end)
            *end = '\0';
        if (n == MAX_JOBS || n == nsizes)
            return cli_usage_error(a, "--mig '%s': more profiles than jobs "
                                      "(%u in --gpus)",
                                   v, nsizes);
        col[n] = (size_t)(p - copy) + 1;
        item[n++] = p;
        if (!end)
            break;
        p = end + 1;
    }
    if (n != 1 && n != nsizes)
        return cli_usage_error(a, "--mig '%s': %u profiles for %u jobs: "
                                  "give one for every job or one per job",
                               v, n, nsizes);
    for (uint32_t i = 0; i < n; i++) {
        if (!strcmp(item[i], "-")) {
            item[i] = NULL;
            continue;
        }
        bool known = false;
        for (uint32_t k = 0; k < GS_MIG_GPU_COUNT && !known; k++) {
            uint32_t prof;
            known = gs_mig_profile_find((gs_mig_gpu)k, item[i], &prof) ==
                    GS_OK;
        }
        if (!known)
            return cli_usage_error(a, "--mig '%s': '%s' at column %zu is "
                                      "not a MIG profile of A100-40GB, "
                                      "A100-80GB, H100-80GB or H200-141GB "
                                      "(names like 3g.40gb or 1g.10gb+me)",
                                   v, item[i], col[i]);
    }
    for (uint32_t k = 0; k < nsizes; k++)
        mig[k] = item[n == 1 ? 0 : k];
    return CLI_OK;
}

/* ---- output ------------------------------------------------------------- */

/* What a job got: its GPUs (m of them, none when not placed), the set's
 * quality Q(S) and the bandwidth model of its pattern, its share and MPS
 * settings. */
typedef struct place_result {
    uint32_t job, asked;
    const uint32_t *got;
    size_t m;
    double q, bandwidth;
    gs_comm_pattern pattern;
    const char *reason;
    uint32_t milli; /* 1000: whole GPUs */
    uint64_t mem;
    uint32_t mps_percent; /* 0: no MPS settings */
    const char *mps_mem_limit;
    const char *mig;      /* the MIG profile, or NULL */
    const uint32_t *mig_starts, *mig_instances; /* per GPU */
    const char *cvd;      /* CUDA_VISIBLE_DEVICES of a MIG job ("": UUIDs
                             not known) */
} place_result;

static void print_result(cli_args *a, const gs_sched *s, const gs_topo *t,
                         const place_result *r)
{
    FILE *f = a->out;
    if (!cli_given(a, CLI_O_JSON)) {
        for (size_t i = 0; i < r->m; i++)
            fprintf(f, i ? ",%u" : "%u", r->got[i]);
        if (r->m && r->mps_percent) {
            fprintf(f, " CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=%u",
                    r->mps_percent);
            if (r->mps_mem_limit && *r->mps_mem_limit)
                fprintf(f, " CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=%s",
                        r->mps_mem_limit);
        }
        if (r->m && r->mig) {
            fputs(" mig=", f);
            for (size_t i = 0; i < r->m; i++) {
                fprintf(f, "%s%s@%u", i ? "," : "", r->mig,
                        r->mig_starts[i]);
                if (r->mig_instances[i] != GS_NONE)
                    fprintf(f, "#%u", r->mig_instances[i]);
            }
            if (r->cvd && *r->cvd)
                fprintf(f, " CUDA_VISIBLE_DEVICES=%s", r->cvd);
        }
        fputc('\n', f);
        return;
    }
    fprintf(f, "%s\n  {\"job\": %u, \"gpus_requested\": %u, \"gpus\": [",
            r->job > 1 ? "," : "", r->job, r->asked);
    for (size_t i = 0; i < r->m; i++)
        fprintf(f, i ? ", %u" : "%u", r->got[i]);
    fputs("], \"nodes\": [", f);
    uint32_t last = GS_NONE;
    for (size_t i = 0; i < r->m; i++) {
        uint32_t node = gs_topo_gpu_node(t, r->got[i]);
        if (node == last)
            continue;
        fputs(last == GS_NONE ? "" : ", ", f);
        cli_json_string(f, gs_topo_node_name(t, node));
        last = node;
    }
    fputs("], \"quality\": ", f);
    if (r->m)
        cli_json_number(f, r->q);
    else
        fputs("null", f);
    fprintf(f, ", \"pattern\": \"%s\", \"bandwidth\": ",
            gs_pattern_name(r->pattern));
    if (r->m)
        cli_json_number(f, r->bandwidth);
    else
        fputs("null", f);
    fprintf(f, ", \"gpu_milli\": %u, \"gpu_mem\": %llu, \"mps_env\": {",
            r->milli, (unsigned long long)r->mem);
    if (r->m && r->mps_percent) {
        fprintf(f, "\"CUDA_MPS_ACTIVE_THREAD_PERCENTAGE\": \"%u\"",
                r->mps_percent);
        if (r->mps_mem_limit && *r->mps_mem_limit) {
            fputs(", \"CUDA_MPS_PINNED_DEVICE_MEM_LIMIT\": ", f);
            cli_json_string(f, r->mps_mem_limit);
        }
    }
    fputs("}, \"gpu_use\": [", f);
    for (size_t i = 0; r->milli < 1000 && i < r->m; i++) {
        uint32_t milli = 0, jobs = 0;
        uint64_t mem = 0;
        gs_sched_gpu_share(s, r->got[i], &milli, &mem, &jobs);
        fprintf(f, "%s{\"gpu\": %u, \"milli\": %u, \"mem\": %llu, \"jobs\": "
                   "%u}",
                i ? ", " : "", r->got[i], milli, (unsigned long long)mem,
                jobs);
    }
    fputs("], \"mig_profile\": ", f);
    if (r->mig)
        cli_json_string(f, r->mig);
    else
        fputs("null", f);
    fputs(", \"mig\": [", f);
    for (size_t i = 0; r->mig && i < r->m; i++) {
        fprintf(f, "%s{\"gpu\": %u, \"start\": %u, \"instance\": ",
                i ? ", " : "", r->got[i], r->mig_starts[i]);
        if (r->mig_instances[i] != GS_NONE)
            fprintf(f, "%u}", r->mig_instances[i]);
        else
            fputs("null}", f);
    }
    fputs("], \"cuda_visible_devices\": ", f);
    if (r->m && r->mig && r->cvd && *r->cvd)
        cli_json_string(f, r->cvd);
    else
        fputs("null", f);
    fputs(", \"reason\": ", f);
    if (r->m)
        fputs("null", f);
    else
        cli_json_string(f, r->reason);
    fputc('}', f);
}

/* A shared job's GPUs after it was placed, on standard error: "job 2: 250
 * milli-GPU of GPU 3; in use now: GPU 3 750 (2 jobs)". */
static void print_share_use(const cli_args *a, const gs_sched *s,
                            const place_result *r)
{
    fprintf(stderr, "%s: job %u: %u milli-GPU of %s ", a->prog, r->job,
            r->milli, r->m > 1 ? "each of GPUs" : "GPU");
    for (size_t i = 0; i < r->m; i++)
        fprintf(stderr, i ? ",%u" : "%u", r->got[i]);
    fputs("; in use now:", stderr);
    for (size_t i = 0; i < r->m; i++) {
        uint32_t milli = 0, jobs = 0;
        gs_sched_gpu_share(s, r->got[i], &milli, NULL, &jobs);
        fprintf(stderr, "%s GPU %u %u (%u job%s)", i ? "," : "", r->got[i],
                milli, jobs, jobs == 1 ? "" : "s");
    }
    fputc('\n', stderr);
}

/* The MPS settings of a placed shared job, or the instances of a MIG job
 * (its one node), into r; buf holds the texts. */
static uint32_t mig_starts[GS_ALLOC_MAX_GPUS], mig_instances[GS_ALLOC_MAX_GPUS];
static int mps_settings(cli_args *a, gs_sched *s, uint64_t job,
                        place_result *r, char **buf, size_t *cap)
{
    gs_alloc_entry e;
    gs_alloc_entry_init(&e);
    gs_status st = gs_sched_alloc_entry(s, job, 0, &e, *buf, *cap);
    if (st == GS_ENOSPC) {
        char *bigger = realloc(*buf, e.buf_needed);
        if (!bigger)
            return cli_fail(a, "out of memory");
        *buf = bigger;
        *cap = e.buf_needed;
        st = gs_sched_alloc_entry(s, job, 0, &e, *buf, *cap);
    }
    if (st != GS_OK)
        return cli_fail(a, "job %u: %s", r->job, gs_sched_errmsg(s));
    r->mps_percent = e.mps_thread_percentage;
    r->mps_mem_limit = e.mps_mem_limit;
    if (r->mig) {
        /* one node: the entry's GPUs are the job's, in the same order */
        if (e.mig_profile)
            r->mig = e.mig_profile; /* the table's spelling */
        memcpy(mig_starts, e.mig_starts, sizeof e.mig_starts);
        memcpy(mig_instances, e.mig_instances, sizeof e.mig_instances);
        r->mig_starts = mig_starts;
        r->mig_instances = mig_instances;
        r->cvd = e.cuda_visible_devices;
    }
    return CLI_OK;
}

/* ---- the command -------------------------------------------------------- */

/* Put the --running shares on their GPUs: jobs that require the GPU,
 * started at time 0. A share that does not fit (the GPU's memory) is a
 * usage error. */
static int start_running(cli_args *a, gs_sched *s, const running_share *r,
                         size_t n)
{
    uint64_t *ids = calloc(n + 1, sizeof *ids);
    if (!ids)
        return cli_fail(a, "out of memory");
    int rc = CLI_OK;
    for (size_t k = 0; k < n; k++) {
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.gpus = 1;
        spec.gpu_milli = r[k].milli;
        spec.gpu_mem = r[k].mem;
        spec.require_gpus = &r[k].gpu;
        spec.n_require_gpus = 1;
        spec.comm = GS_COMM_INSENSITIVE;
        if (gs_sched_submit(s, &spec, &ids[k]) != GS_OK) {
            rc = cli_usage_error(a, "--running '%s': '%.*s' at column %zu: "
                                    "%s",
                                 a->val[PLACE_RUNNING], (int)r[k].len,
                                 r[k].text,
                                 (size_t)(r[k].text - a->val[PLACE_RUNNING]) +
                                     1,
                                 gs_sched_errmsg(s));
            goto out;
        }
    }
    if (gs_sched_step(s, 0, NULL) != GS_OK) {
        rc = cli_fail(a, "--running: %s", gs_sched_errmsg(s));
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        gs_job_info info = GS_JOB_INFO_INIT;
        if (gs_sched_job_info(s, ids[k], &info) == GS_OK &&
            info.state == GS_JOB_RUNNING)
            continue;
        char why[512] = "";
        gs_sched_job_reason_text(s, ids[k], why, sizeof why, NULL);
        rc = cli_usage_error(a, "--running '%s': '%.*s' at column %zu "
                                "does not fit beside the shares before it: "
                                "%s",
                             a->val[PLACE_RUNNING], (int)r[k].len, r[k].text,
                             (size_t)(r[k].text - a->val[PLACE_RUNNING]) + 1,
                             why);
        goto out;
    }
out:
    free(ids);
    return rc;
}

static int place(cli_args *a)
{
    const char *policy =
        cli_given(a, PLACE_POLICY) ? a->val[PLACE_POLICY] : "nvlink-pack";
    if (cli_given(a, PLACE_FREE) && cli_given(a, PLACE_BUSY))
        return cli_usage_error(a, "give --free or --busy, not both");
    uint32_t sizes[MAX_JOBS], nsizes = 0, milli[MAX_JOBS];
    uint64_t mem[MAX_JOBS];
    if (parse_sizes(a, sizes, &nsizes) != CLI_OK)
        return CLI_USAGE;
    for (uint32_t k = 0; k < nsizes; k++) {
        milli[k] = 1000;
        mem[k] = 0;
    }
    if (cli_given(a, PLACE_MILLI) &&
        parse_per_job(a, PLACE_MILLI, "--gpu-milli",
                      "milli-GPU from 1 to 1000 (1000: whole GPUs), one "
                      "for every job or one per job, like 500 or 500,250",
                      nsizes, milli, NULL) != CLI_OK)
        return CLI_USAGE;
    if (cli_given(a, PLACE_MEM) &&
        parse_per_job(a, PLACE_MEM, "--gpu-mem",
                      "bytes with an optional K, M, G or T suffix, at most "
                      "2^56, or 0, like 4G or 4G,512M",
                      nsizes, NULL, mem) != CLI_OK)
        return CLI_USAGE;
    const char *mig[MAX_JOBS] = {0};
    static char mig_copy[MAX_JOBS * 24];
    if (cli_given(a, PLACE_MIG)) {
        int mrc = parse_mig(a, nsizes, mig, mig_copy, sizeof mig_copy);
        if (mrc == CLI_OK)
            for (uint32_t k = 0; k < nsizes && mrc == CLI_OK; k++)
                if (mig[k] && milli[k] < 1000)
                    mrc = cli_usage_error(a, "job %u asks for a MIG "
                                             "instance (--mig) and a share "
                                             "(--gpu-milli %u): one or the "
                                             "other",
                                          k + 1, milli[k]);
        if (mrc != CLI_OK)
            return mrc;
    }
    gs_frag_class frag[GS_MAX_FRAG_CLASSES];
    size_t nfrag = 0, frag_col[GS_MAX_FRAG_CLASSES];
    if (cli_given(a, PLACE_FRAG) &&
        parse_frag_classes(a, frag, frag_col, &nfrag) != CLI_OK)
        return CLI_USAGE;
    if (cli_check_placement(a, policy) != CLI_OK)
        return CLI_USAGE;
    bool frag_policy =
        !strcmp(policy, "frag-aware") || !strcmp(policy, "fgd");
    gs_comm_pattern pattern;
    cli_tuning tuning;
    if (cli_parse_pattern_option(a, &pattern) != CLI_OK ||
        cli_parse_tuning(a, &tuning) != CLI_OK)
        return CLI_USAGE;
    if (cli_open_output(a) != CLI_OK)
        return CLI_FAIL;
    gs_topo *t = cli_load_topo(a, a->val[CLI_O_TOPO]);
    if (!t)
        return CLI_FAIL;
    uint32_t n = gs_topo_gpu_count(t);
    unsigned char *busy = calloc(n + 1, 1), *req = calloc(n + 1, 1);
    uint32_t *req_ids = calloc(n + 1, sizeof *req_ids);
    uint32_t *got = calloc(n + 1, sizeof *got);
    running_share *running = NULL;
    size_t nrunning = 0, mps_cap = 1024;
    char *mps_buf = malloc(mps_cap);
    gs_sched *s = NULL;
    int rc = CLI_OK;
    uint32_t placed = 0;
    if (!busy || !req || !req_ids || !got || !mps_buf) {
        rc = cli_fail(a, "out of memory");
        goto out;
    }
    if (cli_given(a, PLACE_FREE)) {
        if (cli_parse_gpu_list(a, "--free", a->val[PLACE_FREE], n, busy) !=
            CLI_OK) {
            rc = CLI_USAGE;
            goto out;
        }
        for (uint32_t g = 0; g < n; g++)
            busy[g] = !busy[g];
    } else if (cli_given(a, PLACE_BUSY) &&
               cli_parse_gpu_list(a, "--busy", a->val[PLACE_BUSY], n,
                                  busy) != CLI_OK) {
        rc = CLI_USAGE;
        goto out;
    }
    size_t nreq = 0;
    if (cli_given(a, PLACE_REQUIRE)) {
        if (cli_parse_gpu_list(a, "--require", a->val[PLACE_REQUIRE], n,
                               req) != CLI_OK) {
            rc = CLI_USAGE;
            goto out;
        }
        for (uint32_t g = 0; g < n; g++)
            if (req[g])
                req_ids[nreq++] = g;
    }
    for (size_t i = 0; i < nfrag; i++)
        if (frag[i].gpu_milli < 1000 && frag[i].gpus > biggest_node(t)) {
            rc = cli_usage_error(a, "--frag-classes '%s': the class at "
                                    "column %zu shares %u GPUs, but a shared "
                                    "job runs on one node and the largest "
                                    "has %u",
                                 a->val[PLACE_FRAG], frag_col[i],
                                 frag[i].gpus, biggest_node(t));
            goto out;
        }
    if (cli_given(a, PLACE_RUNNING)) {
        if ((rc = parse_running(a, t, &running, &nrunning)) != CLI_OK)
            goto out;
        for (size_t k = 0; k < nrunning; k++)
            if (busy[running[k].gpu]) {
                rc = cli_usage_error(
                    a, "--running: GPU %u is in use (%s) and has shares: "
                       "a GPU is held whole or shared, not both",
                    running[k].gpu,
                    cli_given(a, PLACE_FREE) ? "not in --free" : "--busy");
                goto out;
            }
    }
    gs_sched_config cfg;
    gs_sched_config_init(&cfg);
    cfg.placement = policy;
    if (gs_sched_create(&s, t, &cfg) != GS_OK) {
        rc = cli_fail(a, "%s", s ? gs_sched_errmsg(s) : "out of memory");
        goto out;
    }
    if ((rc = cli_apply_tuning(a, s, &tuning)) != CLI_OK)
        goto out;
    /* the job mix: --frag-classes, else for frag-aware and fgd the kinds
     * of job asked (set before any submission: nothing is learned) */
    if (!nfrag && frag_policy)
        nfrag = jobs_mix(t, sizes, milli, nsizes, frag);
    bool measure = cli_given(a, PLACE_FRAG) || frag_policy;
    if (nfrag && gs_sched_set_frag_classes(s, frag, nfrag) != GS_OK) {
        if (cli_given(a, PLACE_FRAG))
            rc = cli_usage_error(a, "--frag-classes '%s': %s",
                                 a->val[PLACE_FRAG], gs_sched_errmsg(s));
        else
            rc = cli_fail(a, "%s", gs_sched_errmsg(s));
        goto out;
    }
    if (nrunning && (rc = start_running(a, s, running, nrunning)) != CLI_OK)
        goto out;
    /* busy GPUs are taken out of service for these decisions */
    for (uint32_t g = 0; g < n; g++)
        if (busy[g])
            gs_sched_drain_gpu(s, g);
    if (cli_given(a, CLI_O_JSON))
        fputs("{\"placements\": [", a->out);
    for (uint32_t k = 0; k < nsizes; k++) {
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.gpus = sizes[k];
        spec.pattern = pattern;
        spec.gpu_milli = milli[k];
        spec.gpu_mem = mem[k];
        spec.mig_profile = mig[k];
        if (k == 0) {
            spec.require_gpus = req_ids;
            spec.n_require_gpus = nreq;
        }
        uint64_t job = 0;
        size_t m = 0;
        char reason[512] = "";
        gs_status st = gs_sched_submit(s, &spec, &job);
        if (st != GS_OK) {
            snprintf(reason, sizeof reason, "%s", gs_sched_errmsg(s));
        } else {
            gs_sched_step(s, 0, NULL);
            for (uint32_t i = 0; i < gs_sched_alloc_node_count(s, job); i++) {
                gs_alloc_node an;
                an.struct_size = sizeof an;
                gs_sched_alloc_node(s, job, i, &an);
                uint32_t first = gs_topo_node_first_gpu(t, an.node);
                size_t cnt = 0;
                gs_sched_alloc_gpus(s, job, i, got + m, n - m, &cnt);
                for (size_t g = 0; g < cnt; g++)
                    got[m + g] += first;
                m += cnt;
            }
            if (m == 0) {
                gs_sched_job_reason_text(s, job, reason, sizeof reason, NULL);
                gs_sched_cancel(s, job, 0);
            }
        }
        place_result r = {.job = k + 1,
                          .asked = sizes[k],
                          .got = got,
                          .m = m,
                          .pattern = pattern,
                          .reason = reason,
                          .milli = milli[k],
                          .mem = mem[k],
                          .mig = mig[k]};
        if (m) {
            gs_pattern_info pi = GS_PATTERN_INFO_INIT;
            st = gs_topo_pattern_bandwidth(t, got, m, pattern, &pi);
            if (st != GS_OK) {
                rc = cli_fail(a, "job %u: %s", k + 1, gs_strerror(st));
                goto out;
            }
            r.q = pi.q;
            r.bandwidth = pi.bandwidth;
            if ((milli[k] < 1000 || mig[k]) &&
                (rc = mps_settings(a, s, job, &r, &mps_buf, &mps_cap)) !=
                    CLI_OK)
                goto out;
        }
        print_result(a, s, t, &r);
        if (m && cli_given(a, CLI_O_PATTERN) && !cli_given(a, CLI_O_JSON)) {
            /* the line on standard output stays the GPUs alone */
            fprintf(stderr, "%s: job %u: %s ", a->prog, k + 1,
                    gs_pattern_name(pattern));
            cli_print_gbs(stderr, r.bandwidth);
            fputs(" GB/s, Q(S) ", stderr);
            cli_print_gbs(stderr, r.q);
            fputs(" GB/s\n", stderr);
        }
        if (m && milli[k] < 1000 && !cli_given(a, CLI_O_JSON))
            print_share_use(a, s, &r);
        if (m) {
            placed++;
        } else {
            fprintf(stderr, "%s: job %u (%u GPUs) not placed: %s\n", a->prog,
                    k + 1, sizes[k], reason);
            rc = 3;
        }
    }
    double frag_gpus = 0;
    if (measure && gs_sched_fragmentation(s, &frag_gpus) != GS_OK) {
        rc = cli_fail(a, "fragmentation: %s", gs_sched_errmsg(s));
        goto out;
    }
    if (cli_given(a, CLI_O_JSON)) {
        fprintf(a->out, "\n], \"placed\": %u, \"not_placed\": %u, "
                        "\"fragmentation\": ",
                placed, nsizes - placed);
        if (measure)
            cli_json_number(a->out, frag_gpus);
        else
            fputs("null", a->out);
        fputs("}\n", a->out);
    } else if (measure) {
        fprintf(stderr, "%s: fragmentation ", a->prog);
        cli_print_gbs(stderr, frag_gpus);
        fprintf(stderr, " GPUs (%s)\n",
                cli_given(a, PLACE_FRAG)
                    ? "--frag-classes"
                    : "the mix of the jobs asked: see --frag-classes");
    }
out:
    gs_sched_destroy(s);
    gs_topo_destroy(t);
    free(busy);
    free(req);
    free(req_ids);
    free(got);
    free(running);
    free(mps_buf);
    return rc;
}

const cli_command cli_cmd_place = {
    .path = "place",
    .synopsis = "--topo SRC --gpus N[,N...] [--free LIST | --busy LIST] "
                "[options]",
    .summary = "choose GPUs for successive jobs (one-shot decisions)",
    .description =
        "Choose the GPUs of one job, or of several successive jobs (none of "
        "which ends), on a topology whose free GPUs you give: what a device "
        "plugin or a launcher asks. Each job prints a line with its GPUs, "
        "like 0,4, or an empty line when it cannot be placed (the reason "
        "goes to standard error). GPU indices are cluster-wide: a node's "
        "GPUs follow those of the nodes before it.\n\n"
        "--pattern says how the jobs communicate: placement maximizes that "
        "pattern's bandwidth model of the set (ring: the rings the links "
        "carry together; all-to-all: the weakest pair; chain: the best path; "
        "any: the sum of the pair bandwidths), and each placed job's model "
        "goes to standard error (with --json, into the document). --numa, "
        "--demand and --no-lookahead tune how nvlink-pack breaks ties among "
        "the job's best sets.\n\n"
        "--gpu-milli asks for a share of each GPU (500: half): a shared job "
        "runs on one node, beside other shared jobs, under CUDA MPS. Its "
        "line goes on with the settings its processes need, as NAME=VALUE "
        "words after the GPUs: CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=50, and "
        "with --gpu-mem CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=0=4096M; what its "
        "GPUs hold now goes to standard error. "
        "--running gives the shares already in use; whole GPUs in use are "
        "--busy. frag-aware and fgd place each job where the fragmentation "
        "of free GPU capacity grows least, judged by a job mix: "
        "--frag-classes, else the kinds of job --gpus asks for; the "
        "measure after the last job goes to standard error (with --json, "
        "into the document).\n\n"
        "--mig asks for a MIG instance of a profile on each of a job's GPUs "
        "(one node). Only GPUs the topology puts in MIG mode take them: a "
        "fixed layout the admin made (its instances are handed out as they "
        "are) or dynamic (the instance is made where the geometry leaves "
        "the most room for the next jobs); see docs/sharing.md. The line "
        "goes on with mig=PROFILE@START per GPU (#N: instance N of a fixed "
        "layout), which `nvidia-smi mig -cgi PROFILE:START -C` creates on a "
        "dynamic GPU, and CUDA_VISIBLE_DEVICES=MIG-... when the topology "
        "knows the instances' UUIDs.",
    .options = place_options,
    .groups = CLI_GROUP_TOPO | CLI_GROUP_INPUT,
    .exit_status = "0 every job was placed, 3 one could not be (the others "
                   "still were), 1 the topology cannot be read or the "
                   "output written, 2 bad arguments.",
    .examples = "gpusched place --topo dgx1-v100 --free 0,2,4,5 --gpus 2\n"
                "gpusched place --topo dgx1-v100 --gpus 1,1,2,2,2 "
                "--placement first-fit\n"
                "gpusched place --topo dgx-h100 --busy 0-3 --require 4 "
                "--gpus 2 --json\n"
                "gpusched place --topo dgx1-v100 --gpus 5 --pattern ring\n"
                "gpusched place --topo dgx1-v100 --gpus 2,2 --demand "
                "4:ring,2:any:0.5 --numa strict\n"
                "gpusched place --topo pcie-8gpu --gpus 1 --gpu-milli 500 "
                "--gpu-mem 4G --running 0:500,1:250 --placement best-fit\n"
                "gpusched place --topo pcie-8gpu --gpus 1,1 --gpu-milli "
                "300,700 --placement fgd --frag-classes "
                "1x1000:cpus=4,1x500,2x1000:weight=2\n"
                "echo '{\"nodes\": [{\"name\": \"a1\", \"template\": "
                "\"dgx-a100\", \"mig\": \"dynamic\"}]}' | gpusched place "
                "--topo - --gpus 1,1,1 --mig 3g.40gb,1g.10gb,3g.40gb",
    .run = place,
};
