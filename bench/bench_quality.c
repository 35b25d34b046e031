/*
 * Placement quality (issue 16): how good the GPU sets are, not how fast
 * they come. For each node kind (templates dgx1-v100, dgx1-p100,
 * pcie-8gpu, dgx-a100, and the NV12-pair and NV4-pair nodes of
 * tests/test_patterns.c) and each communication pattern:
 *
 *   1. Single decisions: random occupancy (random GPUs drained on a fresh
 *      scheduler) and a random size k (2 to the free count). Each
 *      configuration's answer (gs_sched_preview) is scored with
 *      gs_topo_pattern_bandwidth under the job's pattern and divided by
 *      the brute-force optimum: the best model of any k of the free GPUs.
 *      Printed: the mean and the worst ratio.
 *   2. Sequences: random job streams (sizes 1-4 GPUs), placed one after
 *      another on an empty node (or one with a random GPU taken) and never
 *      freed, until a job does not fit. A sequence's total is the sum of
 *      its jobs' models, each under the job's own pattern. Printed: the
 *      mean total and how many sequences each configuration ended below or
 *      above nvlink-pack (Q) and the best other configuration.
 *
 * Configurations: first-fit, best-fit, nvlink-pack (Q) (every job asks for
 * pattern "any", look-ahead off: nvlink-pack before issue 16), and
 * nvlink-pack with the job's pattern and the look-ahead on, for each NUMA
 * mode (prefer, strict, ignore), with the demand the scheduler learns from
 * submissions and (sequences only) with the host setting the demand to the
 * jobs still to come ("+D").
 *
 *   bench_quality [CASES]   CASES single decisions per node kind and
 *                           pattern (default 2000); CASES / 4 sequences
 *                           per node kind and pattern (at least 1)
 * Fixed seeds: the same CASES prints the same figures.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "bench_util.h"

#include <errno.h>
#include <stdbool.h>

#define DEFAULT_CASES 2000u
#define MAX_CASES 10000000u
#define MAX_GPUS 16u /* brute force over every subset of a node's GPUs */
#define N_MODELS 4   /* any, ring, all-to-all, chain */

/* ---- node kinds ----------------------------------------------------------- */

/* NV12 bridge pairs {0,1} {2,3} {4,5} {6,7}, GPUs 0-3 on socket 0, 4-7 on
 * socket 1, every other pair SYS (tests/test_patterns.c). */
static const char nv12_pairs[] =
    "{\"nodes\": [{\"name\": \"b\", \"numa\": [{\"cpus\": \"0-7\"},"
    " {\"cpus\": \"8-15\"}], \"gpus\": {\"count\": 8, \"numa\": "
    "[0,0,0,0,1,1,1,1]},"
    " \"matrix\": [\"X    NV12 SYS  SYS  SYS  SYS  SYS  SYS\","
    "             \"NV12 X    SYS  SYS  SYS  SYS  SYS  SYS\","
    "             \"SYS  SYS  X    NV12 SYS  SYS  SYS  SYS\","
    "             \"SYS  SYS  NV12 X    SYS  SYS  SYS  SYS\","
    "             \"SYS  SYS  SYS  SYS  X    NV12 SYS  SYS\","
    "             \"SYS  SYS  SYS  SYS  NV12 X    SYS  SYS\","
    "             \"SYS  SYS  SYS  SYS  SYS  SYS  X    NV12\","
    "             \"SYS  SYS  SYS  SYS  SYS  SYS  NV12 X\"]}]}";
/* NV4 pairs on one socket, PCIe NODE between pairs (tests/test_patterns.c) */
static const char nv4_pairs[] =
    "{\"nodes\": [{\"name\": \"q\", \"numa\": [{\"cpus\": \"0-7\"}],"
    " \"gpus\": {\"count\": 8, \"numa\": 0},"
    " \"links\": [{\"gpus\": [0, 1], \"nvlink\": 4},"
    "  {\"gpus\": [2, 3], \"nvlink\": 4}, {\"gpus\": [4, 5], \"nvlink\": 4},"
    "  {\"gpus\": [6, 7], \"nvlink\": 4}]}]}";

typedef struct node_kind {
    const char *label;
    const char *src; /* a template name or JSON */
} node_kind;

static const node_kind kinds[] = {
    {"dgx1-v100", "dgx1-v100"}, {"dgx1-p100", "dgx1-p100"},
    {"pcie-8gpu", "pcie-8gpu"}, {"dgx-a100", "dgx-a100"},
    {"nv12-pairs", nv12_pairs}, {"nv4-pairs", nv4_pairs}};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

/* ---- configurations ------------------------------------------------------- */

typedef struct config {
    const char *label;
    const char *placement;
    bool own_pattern;  /* the job's pattern in its spec (else "any") */
    int lookahead;     /* nvlink-pack only */
    gs_numa_mode numa; /* nvlink-pack only */
    bool host_demand;  /* sequences: the host sets the coming demand */
} config;

enum { C_FIRST, C_BEST, C_Q, C_PREFER, C_STRICT, C_IGNORE, C_PREFER_D,
       C_STRICT_D, C_IGNORE_D, N_CONFIGS };
#define N_SINGLE_CONFIGS C_PREFER_D /* the demand does not change these */

static const config configs[N_CONFIGS] = {
    {"first-fit", "first-fit", true, 1, GS_NUMA_PREFER, false},
    {"best-fit", "best-fit", true, 1, GS_NUMA_PREFER, false},
    {"pack(Q)", "nvlink-pack", false, 0, GS_NUMA_PREFER, false},
    {"prefer", "nvlink-pack", true, 1, GS_NUMA_PREFER, false},
    {"strict", "nvlink-pack", true, 1, GS_NUMA_STRICT, false},
    {"ignore", "nvlink-pack", true, 1, GS_NUMA_IGNORE, false},
    {"prefer+D", "nvlink-pack", true, 1, GS_NUMA_PREFER, true},
    {"strict+D", "nvlink-pack", true, 1, GS_NUMA_STRICT, true},
    {"ignore+D", "nvlink-pack", true, 1, GS_NUMA_IGNORE, true}};

static const gs_comm_pattern patterns[N_MODELS] = {
    GS_PATTERN_ANY, GS_PATTERN_RING, GS_PATTERN_ALL_TO_ALL, GS_PATTERN_CHAIN};

/* ---- helpers ---------------------------------------------------------------- */

static void die_sched(const gs_sched *s, const char *what)
{
    fprintf(stderr, "bench_quality: %s: %s\n", what, gs_sched_errmsg(s));
    exit(1);
}

static gs_topo *load(const char *src)
{
    gs_topo *t = NULL;
    gs_status st = src[0] == '{'
                       ? gs_topo_load_buffer(&t, src, strlen(src), NULL, NULL)
                       : gs_topo_load(&t, src, NULL);
    if (st != GS_OK) {
        fprintf(stderr, "bench_quality: %s\n", gs_topo_errmsg(t));
        exit(1);
    }
    return t;
}

/* A scheduler set up as a configuration says, with the GPUs outside `avail`
 * drained. */
static gs_sched *make_sched(const gs_topo *t, const config *c, uint32_t n,
                            uint32_t avail)
{
    gs_sched_config cfg = GS_SCHED_CONFIG_INIT;
    cfg.placement = c->placement;
    gs_sched *s = NULL;
    if (gs_sched_create(&s, t, &cfg) != GS_OK)
        die_sched(s, c->label);
    if (!strcmp(c->placement, "nvlink-pack") &&
        (gs_sched_set_lookahead(s, c->lookahead) != GS_OK ||
         gs_sched_set_numa_mode(s, c->numa) != GS_OK))
        die_sched(s, c->label);
    for (uint32_t g = 0; g < n; g++)
        if (!(avail >> g & 1) && gs_sched_drain_gpu(s, g) != GS_OK)
            die_sched(s, "drain");
    return s;
}

static uint32_t mask_of(const uint32_t *g, size_t c)
{
    uint32_t m = 0;
    for (size_t i = 0; i < c; i++)
        m |= 1u << g[i];
    return m;
}

static int popcount(uint32_t m) { return __builtin_popcount(m); }

/* Every subset's model under each pattern: val[p][mask]. */
static double *model_table(const gs_topo *t, uint32_t n)
{
    size_t sets = (size_t)1 << n;
    double *val = malloc(sizeof(double) * N_MODELS * sets);
    if (!val) {
        fprintf(stderr, "bench_quality: out of memory\n");
        exit(1);
    }
    for (size_t m = 0; m < sets; m++) {
        uint32_t g[MAX_GPUS];
        size_t k = 0;
        for (uint32_t i = 0; i < n; i++)
            if (m >> i & 1)
                g[k++] = i;
        for (int p = 0; p < N_MODELS; p++) {
            gs_pattern_info info = GS_PATTERN_INFO_INIT;
            if (gs_topo_pattern_bandwidth(t, g, k, patterns[p], &info) !=
                GS_OK) {
                fprintf(stderr, "bench_quality: pattern bandwidth: %s\n",
                        gs_topo_errmsg(t));
                exit(1);
            }
            val[(size_t)p * sets + m] = info.bandwidth;
        }
    }
    return val;
}

static bool less(double a, double b) { return a < b - 1e-9 * (1 + b); }

/* ---- part 1: single decisions ------------------------------------------- */

typedef struct ratio_acc {
    double sum, worst;
    long cases, optimal;
} ratio_acc;

static void ratio_add(ratio_acc *a, double r)
{
    if (a->cases == 0 || r < a->worst)
        a->worst = r;
    a->sum += r;
    a->cases++;
    a->optimal += !less(r, 1.0);
}

static ratio_acc total_single[N_SINGLE_CONFIGS];
static long skipped_single;

static void single_decisions(const gs_topo *t, const char *label,
                             const double *val, uint32_t n, unsigned cases,
                             unsigned *seed)
{
    size_t sets = (size_t)1 << n;
    for (int p = 0; p < N_MODELS; p++) {
        ratio_acc acc[N_SINGLE_CONFIGS];
        memset(acc, 0, sizeof acc);
        const double *v = val + (size_t)p * sets;
        for (unsigned c = 0; c < cases; c++) {
            /* drain 0 to n - 2 random GPUs: at least 2 stay free */
            uint32_t order[MAX_GPUS];
            for (uint32_t i = 0; i < n; i++)
                order[i] = i;
            for (uint32_t i = n - 1; i > 0; i--) {
                uint32_t j = (uint32_t)rand_r(seed) % (i + 1), x = order[i];
                order[i] = order[j];
                order[j] = x;
            }
            uint32_t busy = (uint32_t)rand_r(seed) % (n - 1), avail = 0;
            for (uint32_t i = busy; i < n; i++)
                avail |= 1u << order[i];
            uint32_t nfree = n - busy;
            uint32_t k = 2 + (uint32_t)rand_r(seed) % (nfree - 1);
            double opt = 0;
            for (uint32_t m = avail; m; m = (m - 1) & avail)
                if ((uint32_t)popcount(m) == k && v[m] > opt)
                    opt = v[m];
            if (opt <= 0) {
                skipped_single++;
                continue;
            }
            for (int ci = 0; ci < N_SINGLE_CONFIGS; ci++) {
                const config *cf = &configs[ci];
                gs_sched *s = make_sched(t, cf, n, avail);
                gs_job_spec sp;
                gs_job_spec_init(&sp);
                sp.gpus = k;
                sp.pattern = cf->own_pattern ? patterns[p] : GS_PATTERN_ANY;
                uint32_t got[MAX_GPUS];
                size_t cnt = 0;
                if (gs_sched_preview(s, &sp, got, MAX_GPUS, &cnt) != GS_OK ||
                    cnt != k)
                    die_sched(s, cf->label);
                uint32_t gm = mask_of(got, cnt);
                if (gm & ~avail) {
                    fprintf(stderr, "bench_quality: %s gave a busy GPU\n",
                            cf->label);
                    exit(1);
                }
                double r = v[gm] / opt;
                ratio_add(&acc[ci], r);
                ratio_add(&total_single[ci], r);
                gs_sched_destroy(s);
            }
        }
        printf("%-11s %-10s", p == 0 ? label : "",
               gs_pattern_name(patterns[p]));
        for (int ci = 0; ci < N_SINGLE_CONFIGS; ci++) {
            if (acc[ci].cases)
                printf("  %5.3f/%5.3f", acc[ci].sum / (double)acc[ci].cases,
                       acc[ci].worst);
            else
                printf("  %11s", "-");
        }
        printf("\n");
    }
}

/* ---- part 2: sequences ------------------------------------------------------ */

#define SEQ_PATTERNS (N_MODELS + 1) /* the four, and "mixed" */
#define MAX_JOBS 64

typedef struct seq_acc {
    double sum_total, sum_vs_q, worst_vs_q;
    long seqs, vs_q_n, below_q, above_q, below_best, above_best;
    long split, could_fit; /* jobs of 2+ GPUs one NUMA domain had room
                              for, and those of them spread over several */
} seq_acc;

/* head to head: the NUMA modes against each other */
static const int h2h[][2] = {{C_PREFER, C_STRICT},     {C_PREFER, C_IGNORE},
                             {C_STRICT, C_IGNORE},     {C_PREFER_D, C_STRICT_D},
                             {C_PREFER_D, C_IGNORE_D}, {C_STRICT_D, C_IGNORE_D}};
#define N_H2H (sizeof h2h / sizeof h2h[0])

typedef struct h2h_acc {
    long higher[N_H2H], lower[N_H2H];
} h2h_acc;

/* The demand the host sets before job i: the jobs after it, by (size,
 * pattern), each weighing its GPUs; the heaviest GS_MAX_DEMAND. */
static size_t coming_demand(const uint32_t *sizes, const gs_comm_pattern *pat,
                            size_t i, size_t n, gs_demand_entry *d)
{
    gs_demand_entry all[MAX_JOBS];
    size_t nd = 0;
    for (size_t x = i + 1; x < n; x++) {
        size_t j = 0;
        while (j < nd && (all[j].gpus != sizes[x] || all[j].pattern != pat[x]))
            j++;
        if (j == nd)
            all[nd++] = (gs_demand_entry){sizes[x], pat[x], 0};
        all[j].weight += sizes[x];
    }
    /* heaviest first (insertion sort, stable) */
    for (size_t a = 1; a < nd; a++)
        for (size_t b = a; b > 0 && all[b].weight > all[b - 1].weight; b--) {
            gs_demand_entry x = all[b];
            all[b] = all[b - 1];
            all[b - 1] = x;
        }
    if (nd > GS_MAX_DEMAND)
        nd = GS_MAX_DEMAND;
    memcpy(d, all, nd * sizeof *d);
    return nd;
}

/* One sequence under one configuration: the sum of the jobs' models. */
static double run_sequence(const gs_topo *t, const config *cf, uint32_t n,
                           uint32_t avail, const uint32_t *numa_of,
                           const uint32_t *sizes, const gs_comm_pattern *pat,
                           size_t njobs, const double *val, seq_acc *acc)
{
    size_t sets = (size_t)1 << n;
    gs_sched *s = make_sched(t, cf, n, avail);
    double total = 0;
    for (size_t i = 0; i < njobs; i++) {
        if (cf->host_demand) {
            gs_demand_entry d[GS_MAX_DEMAND];
            size_t nd = coming_demand(sizes, pat, i, njobs, d);
            if (nd && gs_sched_set_demand(s, d, nd) != GS_OK)
                die_sched(s, "set demand");
        }
        gs_job_spec sp;
        gs_job_spec_init(&sp);
        sp.gpus = sizes[i];
        sp.pattern = cf->own_pattern ? pat[i] : GS_PATTERN_ANY;
        uint64_t id;
        if (gs_sched_submit(s, &sp, &id) != GS_OK ||
            gs_sched_step(s, 0, NULL) != GS_OK)
            die_sched(s, cf->label);
        uint32_t g[MAX_GPUS];
        size_t c = 0;
        if (gs_sched_alloc_gpus(s, id, 0, g, MAX_GPUS, &c) != GS_OK ||
            c != sizes[i]) {
            fprintf(stderr, "bench_quality: %s: a job of %u GPUs did not "
                            "start with %d free\n",
                    cf->label, sizes[i], popcount(avail));
            exit(1);
        }
        gs_sched_events_consume(s, gs_sched_event_count(s));
        uint32_t m = mask_of(g, c);
        int p = 0;
        while (patterns[p] != pat[i])
            p++;
        total += val[(size_t)p * sets + m];
        if (c >= 2) {
            /* could one NUMA domain have held it? */
            uint32_t room[MAX_GPUS] = {0}, used = 0;
            bool fits = false;
            for (uint32_t x = 0; x < n; x++)
                if (avail >> x & 1 && numa_of[x] < MAX_GPUS &&
                    ++room[numa_of[x]] >= c)
                    fits = true;
            for (size_t a = 0; a < c; a++)
                if (numa_of[g[a]] < MAX_GPUS)
                    used |= 1u << numa_of[g[a]];
            if (fits) {
                acc->could_fit++;
                acc->split += popcount(used) > 1;
            }
        }
        avail &= ~m;
    }
    gs_sched_destroy(s);
    return total;
}

static void seq_merge(seq_acc *into, const seq_acc *a)
{
    if (a->vs_q_n && (into->vs_q_n == 0 || a->worst_vs_q < into->worst_vs_q))
        into->worst_vs_q = a->worst_vs_q;
    into->sum_total += a->sum_total;
    into->sum_vs_q += a->sum_vs_q;
    into->seqs += a->seqs;
    into->vs_q_n += a->vs_q_n;
    into->below_q += a->below_q;
    into->above_q += a->above_q;
    into->below_best += a->below_best;
    into->above_best += a->above_best;
    into->split += a->split;
    into->could_fit += a->could_fit;
}

static void print_seq_rows(const seq_acc *acc)
{
    for (int ci = 0; ci < N_CONFIGS; ci++) {
        const seq_acc *a = &acc[ci];
        printf("  %-10s %9.1f", configs[ci].label,
               a->seqs ? a->sum_total / (double)a->seqs : 0.0);
        if (a->vs_q_n)
            printf("  %6.4f %6.4f", a->sum_vs_q / (double)a->vs_q_n,
                   a->worst_vs_q);
        else
            printf("  %6s %6s", "-", "-");
        printf("  %6ld %6ld  %6ld %6ld", a->below_q, a->above_q,
               a->below_best, a->above_best);
        if (a->could_fit)
            printf("  %5.1f%%\n", 100.0 * (double)a->split /
                                      (double)a->could_fit);
        else
            printf("  %6s\n", "-");
    }
}

static void print_seq_header(void)
{
    printf("  %-10s %9s  %6s %6s  %6s %6s  %6s %6s  %6s\n", "config",
           "mean", "vs Q", "worst", "<Q", ">Q", "<best", ">best", "split");
}

static void sequences(const gs_topo *t, const char *label, const double *val,
                      uint32_t n, unsigned nseq, unsigned *seed,
                      seq_acc *all, h2h_acc *h_all)
{
    uint32_t numa_of[MAX_GPUS];
    for (uint32_t g = 0; g < n; g++) {
        gs_gpu_info gi = GS_GPU_INFO_INIT;
        if (gs_topo_gpu_info(t, g, &gi) != GS_OK) {
            fprintf(stderr, "bench_quality: %s\n", gs_topo_errmsg(t));
            exit(1);
        }
        numa_of[g] = gi.numa;
    }
    /* sizes 1, 2, 3, 4 GPUs with weights 2, 4, 1, 3 */
    static const uint32_t size_of[10] = {1, 1, 2, 2, 2, 2, 3, 4, 4, 4};
    seq_acc acc[N_CONFIGS];
    memset(acc, 0, sizeof acc);
    h2h_acc h;
    memset(&h, 0, sizeof h);
    for (int sp = 0; sp < SEQ_PATTERNS; sp++)
        for (unsigned q = 0; q < nseq; q++) {
            uint32_t avail = (1u << n) - 1;
            if (q % 2) /* every other one with a random GPU taken */
                avail &= ~(1u << ((uint32_t)rand_r(seed) % n));
            uint32_t sizes[MAX_JOBS], left = (uint32_t)popcount(avail);
            gs_comm_pattern pat[MAX_JOBS];
            size_t njobs = 0;
            for (;;) {
                uint32_t k = size_of[rand_r(seed) % 10];
                int p = sp < N_MODELS ? sp : rand_r(seed) % N_MODELS;
                if (k > left || njobs == MAX_JOBS)
                    break; /* the first job that does not fit ends it */
                sizes[njobs] = k;
                pat[njobs++] = patterns[p];
                left -= k;
            }
            double tot[N_CONFIGS];
            for (int ci = 0; ci < N_CONFIGS; ci++)
                tot[ci] = run_sequence(t, &configs[ci], n, avail, numa_of,
                                       sizes, pat, njobs, val, &acc[ci]);
            for (int ci = 0; ci < N_CONFIGS; ci++) {
                seq_acc *a = &acc[ci];
                a->seqs++;
                a->sum_total += tot[ci];
                if (tot[C_Q] > 0) {
                    double r = tot[ci] / tot[C_Q];
                    if (a->vs_q_n == 0 || r < a->worst_vs_q)
                        a->worst_vs_q = r;
                    a->sum_vs_q += r;
                    a->vs_q_n++;
                }
                a->below_q += less(tot[ci], tot[C_Q]);
                a->above_q += less(tot[C_Q], tot[ci]);
                double best = -1;
                for (int o = 0; o < N_CONFIGS; o++)
                    if (o != ci && tot[o] > best)
                        best = tot[o];
                a->below_best += less(tot[ci], best);
                a->above_best += less(best, tot[ci]);
            }
            for (size_t x = 0; x < N_H2H; x++) {
                h.higher[x] += less(tot[h2h[x][1]], tot[h2h[x][0]]);
                h.lower[x] += less(tot[h2h[x][0]], tot[h2h[x][1]]);
            }
        }
    printf("%s (%ld sequences)\n", label, acc[0].seqs);
    print_seq_rows(acc);
    for (int ci = 0; ci < N_CONFIGS; ci++)
        seq_merge(&all[ci], &acc[ci]);
    printf("  head to head (higher/lower total):");
    for (size_t x = 0; x < N_H2H; x++) {
        printf(" %s-%s %ld/%ld", configs[h2h[x][0]].label,
               configs[h2h[x][1]].label, h.higher[x], h.lower[x]);
        h_all->higher[x] += h.higher[x];
        h_all->lower[x] += h.lower[x];
        if (x == 2)
            printf("\n %35s", "");
    }
    printf("\n");
}

/* ---- main ------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_quality [CASES]\n"
            "       bench_quality --help\n"
            "Placement quality of first-fit, best-fit, nvlink-pack (Q) and "
            "nvlink-pack with\n"
            "the job's pattern and the look-ahead (NUMA prefer, strict, "
            "ignore) on the\n"
            "dgx1-v100, dgx1-p100, pcie-8gpu and dgx-a100 templates and the "
            "NV12-pair and\n"
            "NV4-pair nodes, for the patterns any, ring, all-to-all and "
            "chain.\n"
            "  CASES  single decisions per node kind and pattern: a positive "
            "integer,\n"
            "         default %u, at most %u; CASES / 4 job sequences (at "
            "least 1)\n"
            "         per node kind and pattern. Fixed seeds: the same CASES "
            "prints the\n"
            "         same figures.\n",
            DEFAULT_CASES, MAX_CASES);
}

static bool parse_cases(const char *s, unsigned *out)
{
    if (*s < '0' || *s > '9')
        return false; /* no sign, no blank */
    errno = 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v == 0 || v > MAX_CASES)
        return false;
    *out = (unsigned)v;
    return true;
}

int main(int argc, char **argv)
{
    unsigned cases = DEFAULT_CASES;
    if (argc > 2) {
        fprintf(stderr, "bench_quality: one argument at most\n");
        usage(stderr);
        return 2;
    }
    if (argc == 2) {
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
            usage(stdout);
            return 0;
        }
        if (!parse_cases(argv[1], &cases)) {
            fprintf(stderr,
                    "bench_quality: CASES must be a positive integer up to "
                    "%u, not '%s'\n",
                    MAX_CASES, argv[1]);
            return 2;
        }
    }
    unsigned nseq = cases / 4 ? cases / 4 : 1;
    double t0 = bench_now();

    printf("gpusched %s placement quality (issue 16)\n\n", gs_version_string());
    printf(
        "Configurations:\n"
        "  first-fit, best-fit  the simple policies\n"
        "  pack(Q)   nvlink-pack, every job as pattern \"any\" (Q = sum of "
        "pair\n"
        "            bandwidths), look-ahead off: nvlink-pack before issue "
        "16\n"
        "  prefer, strict, ignore\n"
        "            nvlink-pack with the job's pattern and the look-ahead "
        "on, NUMA mode\n"
        "            prefer/strict/ignore, the demand learned from submissions "
        "(a fresh\n"
        "            scheduler per sequence: it has seen that sequence's jobs "
        "so far)\n"
        "  +D        the same, the host setting the demand before each job to "
        "the jobs\n"
        "            after it (GPUs by size and pattern; sequences only)\n\n");

    printf("1. Single decisions: %u random occupancies and sizes (2 to the "
           "free count)\n"
           "   per node kind and pattern, on fresh schedulers. Each cell: "
           "mean / worst\n"
           "   ratio of the answer's model (gs_topo_pattern_bandwidth, the "
           "job's pattern)\n"
           "   to the best model of any set of that size of the free GPUs "
           "(brute force).\n"
           "   Nothing was submitted: the look-ahead has no demand to weigh "
           "here.\n\n",
           cases);
    printf("%-11s %-10s", "node", "pattern");
    for (int ci = 0; ci < N_SINGLE_CONFIGS; ci++)
        printf("  %11s", configs[ci].label);
    printf("\n");

    double *vals[N_KINDS];
    gs_topo *topos[N_KINDS];
    uint32_t ngpus[N_KINDS];
    unsigned seed = 16016;
    for (size_t i = 0; i < N_KINDS; i++) {
        topos[i] = load(kinds[i].src);
        ngpus[i] = gs_topo_gpu_count(topos[i]);
        if (gs_topo_node_count(topos[i]) != 1 || ngpus[i] < 2 ||
            ngpus[i] > MAX_GPUS) {
            fprintf(stderr, "bench_quality: %s: one node of 2 to %u GPUs "
                            "expected\n",
                    kinds[i].label, MAX_GPUS);
            return 1;
        }
        vals[i] = model_table(topos[i], ngpus[i]);
        single_decisions(topos[i], kinds[i].label, vals[i], ngpus[i], cases,
                         &seed);
    }
    printf("\n%-22s", "all node kinds");
    for (int ci = 0; ci < N_SINGLE_CONFIGS; ci++)
        printf("  %5.3f/%5.3f",
               total_single[ci].sum / (double)total_single[ci].cases,
               total_single[ci].worst);
    printf("\n%-22s", "  optimal answers");
    for (int ci = 0; ci < N_SINGLE_CONFIGS; ci++)
        printf("  %10.1f%%", 100.0 * (double)total_single[ci].optimal /
                                 (double)total_single[ci].cases);
    printf("\n  %ld scored cases per configuration, %ld skipped (optimum "
           "0)\n\n",
           total_single[0].cases, skipped_single);

    printf("2. Sequences: %u random job streams per node kind and pattern "
           "(any, ring,\n"
           "   all-to-all, chain, and mixed: each job's pattern at random), "
           "every other one\n"
           "   with a random GPU taken. Sizes 1, 2, 3, 4 GPUs with weights "
           "2, 4, 1, 3,\n"
           "   placed one after another and never freed until one does not "
           "fit; a\n"
           "   sequence's total is the sum of its jobs' models (GB/s), each "
           "under the\n"
           "   job's pattern.\n"
           "   mean     mean total over the sequences\n"
           "   vs Q     mean and worst ratio of a sequence's total to "
           "pack(Q)'s\n"
           "   <Q >Q    sequences with a total below / above pack(Q)'s\n"
           "   <best >best  below / above the best of the other "
           "configurations (a tie\n"
           "            is neither: >best counts sequences it alone did best)\n"
           "   split    jobs of 2+ GPUs spread over several NUMA domains "
           "though one had\n"
           "            room for them, of those jobs\n"
           "   head to head  for two NUMA modes a-b: sequences where a's "
           "total is higher /\n"
           "            lower than b's\n\n",
           nseq);
    seq_acc all[N_CONFIGS];
    memset(all, 0, sizeof all);
    h2h_acc h_all;
    memset(&h_all, 0, sizeof h_all);
    seed = 16017;
    print_seq_header();
    for (size_t i = 0; i < N_KINDS; i++) {
        sequences(topos[i], kinds[i].label, vals[i], ngpus[i], nseq, &seed,
                  all, &h_all);
    }
    printf("all node kinds (%ld sequences; the mean total mixes node "
           "kinds)\n",
           all[0].seqs);
    print_seq_rows(all);
    printf("  head to head (higher/lower total):");
    for (size_t x = 0; x < N_H2H; x++) {
        printf(" %s-%s %ld/%ld", configs[h2h[x][0]].label,
               configs[h2h[x][1]].label, h_all.higher[x], h_all.lower[x]);
        if (x == 2)
            printf("\n %35s", "");
    }
    printf("\n\n%.1f s\n", bench_now() - t0);
    for (size_t i = 0; i < N_KINDS; i++) {
        free(vals[i]);
        gs_topo_destroy(topos[i]);
    }
    return 0;
}
