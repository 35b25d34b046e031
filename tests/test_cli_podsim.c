/*
 * gpusched podsim: placement policies on Alibaba's GPU-sharing traces (the
 * FGD paper's inflation experiment). Small clusters worked by hand in the
 * file's order (tests/data/alibaba2023/README.md has the working), the
 * readers' errors with file:line:column, arguments, outputs, and the
 * random arrivals (the same for every policy, whatever the parallelism).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include "common/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

static char out[1 << 18];
static char err[1 << 16];

/* snprintf that fails the test instead of cutting the text short. */
static void fmt(char *dst, size_t cap, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
static void fmt(char *dst, size_t cap, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(dst, cap, f, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < cap);
}

/* Run the tool with stdout in out and stderr in err. */
static int run2(const char *args)
{
    char errpath[] = "/tmp/gs_podsim_err_XXXXXX";
    int fd = mkstemp(errpath);
    assert_true(fd >= 0);
    close(fd);
    char cmd[8192];
    fmt(cmd, sizeof cmd, "'%s' %s 2>'%s'", GS_TOOL_PATH, args, errpath);
    int rc = test_run_command(cmd, out, sizeof out);
    size_t len = 0;
    char *text = test_read_file(errpath, &len);
    snprintf(err, sizeof err, "%s", text ? text : "");
    free(text);
    unlink(errpath);
    return rc;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("\"%s\" not found in:\n%s", needle, hay);
}

/* A fixture of tests/data/alibaba2023 (static buffers, two at a time). */
static const char *fx(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    char rel[256];
    fmt(rel, sizeof rel, "alibaba2023/%s", name);
    fmt(buf[k], sizeof buf[k], "%s", test_data(rel));
    return buf[k];
}

/* A temporary file holding text; the path goes to path (cap 64). */
static void temp_file(char *path, const char *text)
{
    snprintf(path, 64, "/tmp/gs_podsim_in_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

/* The CSV line of a policy (and seed) in out, without its newline. */
static const char *csv_line(const char *policy, const char *seed)
{
    static char line[4096];
    char head[128];
    fmt(head, sizeof head, "\n%s,%s,", policy, seed);
    const char *p = strstr(out, head);
    if (!p)
        fail_msg("no line %s in:\n%s", head + 1, out);
    p++;
    size_t w = strcspn(p, "\n");
    assert_true(w < sizeof line);
    memcpy(line, p, w);
    line[w] = '\0';
    return line;
}

/* ---- arguments ---------------------------------------------------------- */

static void help_and_arguments(void **state)
{
    (void)state;
    assert_int_equal(run2("podsim --help"), 0);
    assert_string_equal(err, "");
    assert_true(!strncmp(out, "usage: gpusched podsim --nodes FILE --pods "
                              "FILE [options]\n",
                         57));
    assert_contains(out, "--frag-mix MIX");
    assert_contains(out, "--parallel N");
    assert_contains(out, "\n  --policies LIST ");
    assert_contains(out, "first-fit,best-fit,spread,nvlink-pack,fgd,"
                         "frag-aware)\n");
    static char help[1 << 16];
    fmt(help, sizeof help, "%s", out);
    assert_int_equal(run2("help podsim"), 0);
    assert_string_equal(out, help);
    assert_int_equal(run2("--help"), 0);
    assert_contains(out, "\n  podsim ");

    /* bad arguments: one line, what to try, exit 2, before any input is
     * read (the files do not exist) */
    static const struct {
        const char *args, *msg;
    } bad[] = {
        {"", "--nodes FILE is required"},
        {"--nodes /no/n.csv", "--pods FILE is required"},
        {"--policies first-fit,fgd,fgd", "--policies: fgd given twice"},
        {"--policies first-fit,,fgd",
         "--policies 'first-fit,,fgd': want placement policy names "
         "separated by commas, at most 16"},
        {"--seeds 1,x",
         "--seeds: 'x' is not a whole number from 0 to 2^64-1"},
        {"--seeds -1",
         "--seeds: '-1' is not a whole number from 0 to 2^64-1"},
        {"--seeds 3,1,3", "--seeds: 3 given twice"},
        {"--target 15",
         "--target '15': want a multiple of 10 from 10 to 1000 (percent)"},
        {"--target 0",
         "--target '0': want a multiple of 10 from 10 to 1000 (percent)"},
        {"--target 1010",
         "--target '1010': want a multiple of 10 from 10 to 1000 (percent)"},
        {"--order sorted", "--order 'sorted': want random or trace"},
        {"--frag-mix mine", "--frag-mix 'mine': want learned or trace"},
        {"--parallel 0", "--parallel '0': want a whole number from 1 to 256"},
        {"--parallel 257",
         "--parallel '257': want a whole number from 1 to 256"},
        {"--check x",
         "--check 'x': want a whole number from 0 to 4294967295"},
        {"--csv --json", "--csv and --json: one output format"},
        {"--order trace --seeds 1",
         "--seeds with --order trace: the file's order has no randomness"},
        {"--nodes - --pods -",
         "--nodes and --pods both read standard input (-): only one of "
         "them can"},
        {"--csv=yes", "--csv takes no value"},
        {"--jobs 2", "unknown option '--jobs'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char args[512], want[512];
        bool paths = strstr(bad[i].args, "--nodes") || !*bad[i].args;
        fmt(args, sizeof args, "podsim %s%s", paths ? "" : "--nodes /no/n.csv "
                                                          "--pods /no/p.csv ",
            bad[i].args);
        int rc = run2(args);
        fmt(want, sizeof want,
            "gpusched podsim: %s\ntry 'gpusched podsim --help'\n",
            bad[i].msg);
        if (rc != 2 || strcmp(err, want) != 0 || *out)
            fail_msg("'%s': exit %d, stderr:\n%s\nwant:\n%s", args, rc, err,
                     want);
    }
    assert_int_equal(run2("podsim --nodes /no/n.csv --pods /no/p.csv "
                          "--policies first-fit,foo"),
                     2);
    assert_contains(err, "gpusched podsim: unknown placement policy 'foo' (");
    assert_contains(err, "fgd");
    /* good arguments, a missing file: exit 1 */
    assert_int_equal(run2("podsim --nodes /no/n.csv --pods /no/p.csv"), 1);
    assert_string_equal(err, "gpusched podsim: /no/n.csv: No such file or "
                             "directory\n");
}

/* ---- small clusters by hand (tests/data/alibaba2023/README.md) ---------- */

#define NOT_REACHED_3 ",,,"

/* 2 nodes x 2 GPUs; a 0.5, b 0.7, c 0.5, d 1, e 1, f 0.3 in this order:
 * spread leaves no whole GPU for e; the others place all six. */
static void by_hand_spread(void **state)
{
    (void)state;
    char args[1024];
    fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --order trace "
                           "--csv",
        fx("nodes-2x2.csv"), fx("pods-spread.csv"));
    assert_int_equal(run2(args), 0);
    /* checkpoints: a 12.5% arrived, b 30, c 42.5, d 67.5, e 92.5, f 100 */
    static const char packed[] =
        "6,0,12.5000,30.0000,30.0000,42.5000,67.5000,67.5000,92.5000,"
        "92.5000,92.5000,100.0000" NOT_REACHED_3 ",,,,100.0000";
    const char *const fill[] = {"first-fit", "best-fit", "nvlink-pack", "fgd",
                                "frag-aware"};
    for (size_t i = 0; i < 5; i++) {
        const char *l = csv_line(fill[i], "");
        char want[512];
        fmt(want, sizeof want, "%s,,%s", fill[i], packed);
        if (strncmp(l, want, strlen(want)) != 0)
            fail_msg("%s\nwant\n%s", l, want);
    }
    /* spread: e fails with 3.7 of 4 GPUs arrived (92.5%), 2.7 allocated
     * (1.3 unallocated); f takes 0.3 of n0 (75% at the end). The learned
     * mix is the first pod's kind (0.5 of a GPU) until 64 submissions:
     * n1 keeps 0.3 of g2 that no 0.5 pod can use: 0.3 GPUs fragmented. */
    const char *l = csv_line("spread", "");
    assert_true(!strncmp(l, "spread,,6,1,12.5000,30.0000,30.0000,42.5000,"
                            "67.5000,67.5000,67.5000,67.5000,67.5000,"
                            "75.0000,,,,92.5000,1.3000,0.3000,75.0000,",
                         strlen("spread,,6,1,12.5000,30.0000,30.0000,42.5000,"
                                "67.5000,67.5000,67.5000,67.5000,67.5000,"
                                "75.0000,,,,92.5000,1.3000,0.3000,75.0000,")));
    /* the trace's mix: 0.5 and 1 GPU weigh 2/6 each, 0.3 and 0.7 1/6:
     * n0 {0.5, 0.5 free}: 1 and 0.7 do not fit (1000 x 2/6 + 1000 x 1/6);
     * n1 {0.3 free, whole}: only 0.3 fits (300 x (2/6 + 2/6 + 1/6)):
     * 750 milli-GPU */
    fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --order trace "
                           "--csv --frag-mix trace --policies spread",
        fx("nodes-2x2.csv"), fx("pods-spread.csv"));
    assert_int_equal(run2(args), 0);
    assert_contains(csv_line("spread", ""), ",92.5000,1.3000,0.7500,");
    /* the text table says the same */
    fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --order trace",
        fx("nodes-2x2.csv"), fx("pods-spread.csv"));
    assert_int_equal(run2(args), 0);
    assert_contains(out, "Cluster: 2 nodes, 4 GPUs (T4 4) from ");
    assert_contains(out, "Pods: 6 in ");
    assert_contains(out, "Arrivals: in the file's order, until the arrived "
                         "GPU demand reaches 130% of 4 GPUs");
    assert_contains(out, "\nspread       12.5  30.0  30.0  42.5  67.5  67.5  "
                         "67.5  67.5  67.5  75.0     -     -     -  |   92.5 "
                         "     1.3      0.3\n");
    assert_contains(out, "\nfgd          12.5  30.0  30.0  42.5  67.5  67.5  "
                         "92.5  92.5  92.5 100.0     -     -     -  |      - "
                         "       -        -\n");
    assert_true(strstr(out, "Per seed") == NULL);
    assert_contains(err, "gpusched podsim: 6 runs in ");
}

/* The brief's case: 0.5, 0.5, 0.7, 1 on 2 x 2 GPUs all fit, 67.5%. */
static void by_hand_all_fit(void **state)
{
    (void)state;
    char args[1024];
    fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --order trace "
                           "--csv",
        fx("nodes-2x2.csv"), fx("pods-brief.csv"));
    assert_int_equal(run2(args), 0);
    const char *const all[] = {"first-fit", "best-fit", "spread",
                               "nvlink-pack", "fgd", "frag-aware"};
    for (size_t i = 0; i < 6; i++) {
        char want[512];
        fmt(want, sizeof want,
            "%s,,4,0,12.5000,25.0000,42.5000,42.5000,67.5000,67.5000,,,,,,,"
            ",,,,67.5000,",
            all[i]);
        const char *l = csv_line(all[i], "");
        if (strncmp(l, want, strlen(want)) != 0)
            fail_msg("%s\nwant\n%s", l, want);
    }
}

/* CPUs decide: small (8 CPUs) and large (16 CPUs), 2 GPUs each; A (1 GPU,
 * 8 CPUs), B (2 GPUs, 8 CPUs), C (1 GPU, 8 CPUs). A on small leaves its
 * second GPU without CPUs: B goes to large, C finds no room. fgd and
 * frag-aware see that (small's free GPU would be fragmentation) and put A
 * on large: all three run. */
static void by_hand_cpus(void **state)
{
    (void)state;
    char args[1024];
    for (int mix = 0; mix < 2; mix++) {
        fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --order "
                               "trace --csv%s",
            fx("nodes-cpu.csv"), fx("pods-cpu.csv"),
            mix ? " --frag-mix trace" : "");
        assert_int_equal(run2(args), 0);
        const char *const lose[] = {"first-fit", "best-fit", "spread",
                                    "nvlink-pack"};
        for (size_t i = 0; i < 4; i++) {
            char want[512];
            fmt(want, sizeof want,
                "%s,,3,1,25.0000,25.0000,75.0000,75.0000,75.0000,75.0000,"
                "75.0000,75.0000,75.0000,75.0000,,,,100.0000,1.0000,1.0000,"
                "75.0000,",
                lose[i]);
            const char *l = csv_line(lose[i], "");
            if (strncmp(l, want, strlen(want)) != 0)
                fail_msg("%s\nwant\n%s", l, want);
        }
        const char *const win[] = {"fgd", "frag-aware"};
        for (size_t i = 0; i < 2; i++) {
            char want[512];
            fmt(want, sizeof want,
                "%s,,3,0,25.0000,25.0000,75.0000,75.0000,75.0000,75.0000,"
                "75.0000,100.0000,100.0000,100.0000,,,,,,,100.0000,",
                win[i]);
            const char *l = csv_line(win[i], "");
            if (strncmp(l, want, strlen(want)) != 0)
                fail_msg("%s\nwant\n%s", l, want);
        }
    }
}

/* gpu_spec: p1 and p2 want the one V100M32 (p2 fails), p3-p5 half of the
 * A10 or the V100M32 (held whole: p5 fails), p6 has no GPU (skipped), p7
 * any GPU: the T4. The arrivals stop at p7 (150% >= 130%). */
static void by_hand_models(void **state)
{
    (void)state;
    char args[1024];
    fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --order trace "
                           "--csv --check 1",
        fx("nodes-models.csv"), fx("pods-models.csv"));
    assert_int_equal(run2(args), 0);
    const char *const all[] = {"first-fit", "best-fit", "spread",
                               "nvlink-pack", "fgd", "frag-aware"};
    for (size_t i = 0; i < 6; i++) {
        char want[512];
        fmt(want, sizeof want,
            "%s,,6,2,33.3333,33.3333,33.3333,33.3333,33.3333,33.3333,"
            "50.0000,50.0000,66.6667,66.6667,66.6667,100.0000,100.0000,"
            "66.6667,2.0000,0.0000,100.0000,",
            all[i]);
        const char *l = csv_line(all[i], "");
        if (strncmp(l, want, strlen(want)) != 0)
            fail_msg("%s\nwant\n%s", l, want);
    }
    fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --order trace "
                           "--policies fgd",
        fx("nodes-models.csv"), fx("pods-models.csv"));
    assert_int_equal(run2(args), 0);
    assert_contains(out, "Pods: 7 in ");
    assert_contains(out, "; 6 with GPUs arrive; 1 CPU-only pod skipped (the "
                         "experiment allocates GPUs)\n");
    assert_contains(out, "(T4 1, V100M32 1, A10 1)");
}

/* ---- JSON --------------------------------------------------------------- */

static const json_value *member(const json_value *o, const char *key)
{
    const json_member *m = json_member_get(o, key);
    if (!m)
        fail_msg("no member \"%s\"", key);
    return m->value;
}

static double num(const json_value *o, const char *key)
{
    return json_number_double(member(o, key));
}

static void json_document(void **state)
{
    (void)state;
    char args[1024];
    fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --order trace "
                           "--json --frag-mix trace --policies "
                           "first-fit,spread",
        fx("nodes-2x2.csv"), fx("pods-spread.csv"));
    assert_int_equal(run2(args), 0);
    json_doc doc;
    gs_err e = {{0}};
    if (json_parse(&doc, out, strlen(out), "output", &e) != GS_OK)
        fail_msg("not one JSON document: %s\n%s", e.msg, out);
    const json_value *root = doc.root;
    assert_int_equal(member(member(root, "nodes"), "gpus")->u.num.i, 4);
    assert_int_equal(member(member(root, "pods"), "cpu_only_skipped")->u.num.i,
                     0);
    assert_string_equal(member(root, "order")->u.str.s, "trace");
    assert_string_equal(member(root, "frag_mix")->u.str.s, "trace");
    /* the mix: heaviest first, ties to the smaller share */
    const json_value *mix = member(root, "mix");
    assert_int_equal(mix->u.arr.n, 4);
    static const unsigned want_milli[] = {500, 1000, 300, 700};
    static const double want_w[] = {2, 2, 1, 1};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(member(mix->u.arr.items[i], "gpu_milli")->u.num.i,
                         want_milli[i]);
        assert_true(num(mix->u.arr.items[i], "weight") == want_w[i]);
    }
    assert_int_equal(member(root, "checkpoints")->u.arr.n, 13);
    const json_value *runs = member(root, "runs");
    assert_int_equal(runs->u.arr.n, 2);
    const json_value *ff = runs->u.arr.items[0], *sp = runs->u.arr.items[1];
    assert_string_equal(member(ff, "policy")->u.str.s, "first-fit");
    assert_int_equal(member(ff, "seed")->type, JSON_NULL);
    assert_int_equal(member(ff, "first_failure")->type, JSON_NULL);
    assert_true(num(ff, "final_alloc") == 100);
    const json_value *ffa = member(ff, "alloc");
    assert_int_equal(ffa->u.arr.items[10]->type, JSON_NULL); /* 110% */
    const json_value *f = member(sp, "first_failure");
    assert_true(fabs(num(f, "load") - 92.5) < 1e-9);
    assert_true(fabs(num(f, "unallocated_gpus") - 1.3) < 1e-9);
    assert_true(fabs(num(f, "fragmentation_gpus") - 0.75) < 1e-9);
    const json_value *fp = member(sp, "first_failure_pod");
    assert_string_equal(member(fp, "name")->u.str.s, "e");
    assert_int_equal(member(fp, "line")->u.num.i, 6);
    assert_int_equal(member(fp, "arrival")->u.num.i, 5);
    assert_int_equal(member(sp, "dropped")->u.num.i, 1);
    assert_int_equal(member(root, "mean")->u.arr.n, 2);
    json_doc_free(&doc);
}

/* ---- random arrivals ---------------------------------------------------- */

/* The arrival sequence depends on the seed only: every policy sees as many
 * pods (the demand that arrives does not depend on where they went), and
 * one process or several give the same table. */
static void random_arrivals(void **state)
{
    (void)state;
    char args[1024];
    static char serial[1 << 16];
    fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --seeds 1,2,7 "
                           "--csv",
        fx("nodes-sample.csv"), fx("pods-sample.csv"));
    assert_int_equal(run2(args), 0);
    fmt(serial, sizeof serial, "%s", out);
    fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --seeds 1,2,7 "
                           "--csv --parallel 3",
        fx("nodes-sample.csv"), fx("pods-sample.csv"));
    assert_int_equal(run2(args), 0);
    assert_string_equal(out, serial);
    assert_contains(err, "(3 processes)");
    const char *const seeds[] = {"1", "2", "7"};
    const char *const pols[] = {"first-fit", "best-fit", "spread",
                                "nvlink-pack", "fgd", "frag-aware"};
    char first[3][32];
    for (size_t s = 0; s < 3; s++)
        for (size_t p = 0; p < 6; p++) {
            const char *l = csv_line(pols[p], seeds[s]);
            /* policy,seed,arrived,... */
            const char *c = strchr(strchr(l, ',') + 1, ',') + 1;
            char arrived[32];
            fmt(arrived, sizeof arrived, "%.*s", (int)strcspn(c, ","), c);
            if (p == 0)
                fmt(first[s], sizeof first[s], "%s", arrived);
            else
                assert_string_equal(arrived, first[s]);
        }
    assert_true(strcmp(first[0], first[1]) != 0 ||
                strcmp(first[1], first[2]) != 0);
    /* a mean line per policy */
    for (size_t p = 0; p < 6; p++)
        (void)csv_line(pols[p], "mean");
    /* the text: means, then each run */
    fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --seeds 1,2 "
                           "--policies best-fit,fgd --check 7",
        fx("nodes-sample.csv"), fx("pods-sample.csv"));
    assert_int_equal(run2(args), 0);
    assert_contains(out, "Cluster: 12 nodes, 70 GPUs (G2 48, P100 6, T4 8, "
                         "G3 8) from ");
    assert_contains(out, "; 1 node without GPUs left out\n");
    assert_contains(out, "; 75 with GPUs arrive; 12 CPU-only pods skipped (the "
                         "experiment allocates GPUs)\n");
    assert_contains(out, "Arrivals: drawn at random with replacement, seeds "
                         "1,2, until the arrived GPU demand reaches 130% of "
                         "70 GPUs");
    assert_contains(out, "mean of 2 seeds:");
    assert_contains(out, "\nPer seed:\n");
    assert_contains(out, "\nfgd          2  ");
    /* the other pod list format (five columns) */
    fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --seeds 5 "
                           "--target 200 --frag-mix trace",
        fx("nodes-sample.csv"), fx("pods-sample-multigpu.csv"));
    assert_int_equal(run2(args), 0);
    assert_contains(out, " 200%  |");
    assert_contains(out, "Fragmentation mix (fgd, frag-aware and the frag "
                         "column): the pod list's");
}

/* ---- standard input, outputs -------------------------------------------- */

static void inputs_and_outputs(void **state)
{
    (void)state;
    char args[1024];
    static char want[1 << 16];
    fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --order trace "
                           "--csv",
        fx("nodes-2x2.csv"), fx("pods-spread.csv"));
    assert_int_equal(run2(args), 0);
    fmt(want, sizeof want, "%s", out);
    fmt(args, sizeof args, "podsim --nodes '%s' --pods - --order trace "
                           "--csv < '%s'",
        fx("nodes-2x2.csv"), fx("pods-spread.csv"));
    assert_int_equal(run2(args), 0);
    assert_string_equal(out, want);
    fmt(args, sizeof args, "podsim --nodes - --pods '%s' --order trace "
                           "--csv < '%s'",
        fx("pods-spread.csv"), fx("nodes-2x2.csv"));
    assert_int_equal(run2(args), 0);
    assert_string_equal(out, want);
    /* errors in standard input name it */
    char bad[64];
    temp_file(bad, "name,cpu_milli,memory_mib,num_gpu,gpu_milli\n"
                   "p,1000,1024,1,x\n");
    fmt(args, sizeof args, "podsim --nodes '%s' --pods - < %s",
        fx("nodes-2x2.csv"), bad);
    assert_int_equal(run2(args), 1);
    assert_string_equal(err, "gpusched podsim: <stdin>:2:15: bad gpu_milli "
                             "\"x\" (a whole number from 0 to 1000)\n");
    assert_string_equal(out, "");
    unlink(bad);
    /* --out: the table goes there */
    char path[] = "/tmp/gs_podsim_out_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --order trace "
                           "--csv --out %s",
        fx("nodes-2x2.csv"), fx("pods-spread.csv"), path);
    assert_int_equal(run2(args), 0);
    assert_string_equal(out, "");
    size_t len = 0;
    char *text = test_read_file(path, &len);
    assert_non_null(text);
    assert_string_equal(text, want);
    free(text);
    unlink(path);
    /* an output that cannot be written: at once, exit 1 */
    fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --out "
                           "/nonexistent-dir/x.csv",
        fx("nodes-2x2.csv"), fx("pods-spread.csv"));
    assert_int_equal(run2(args), 1);
    assert_contains(err, "--out /nonexistent-dir/x.csv: cannot write there");
    /* the input limit */
    fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --max-input 100",
        fx("nodes-2x2.csv"), fx("pods-spread.csv"));
    assert_int_equal(run2(args), 1);
    assert_contains(err, ": more than 100 bytes, the input limit (raise it "
                         "with --max-input)\n");
}

/* ---- the readers' errors ------------------------------------------------ */

static const char pod_head[] = "name,cpu_milli,memory_mib,num_gpu,gpu_milli\n";

static void pod_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg; /* msg after "PATH:" */
    } cases[] = {
        {"name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1000,1024,1,1001\n",
         "2:15: bad gpu_milli \"1001\" (a whole number from 0 to 1000)"},
        {"name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1000,1024,65,500\n",
         "2:13: bad num_gpu \"65\" (a whole number from 0 to 64: a pod runs "
         "on one node)"},
        {"name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1000,1024,1.5,500\n",
         "2:13: bad num_gpu \"1.5\" (a whole number from 0 to 64: a pod runs "
         "on one node)"},
        {"name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,-5,1024,1,500\n",
         "2:3: bad cpu_milli \"-5\" (a whole number from 0 to 1048576000)"},
        {"name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1e10,1024,1,500\n",
         "2:3: bad cpu_milli \"1e10\" (a whole number from 0 to 1048576000)"},
        {"name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1000, nan,1,500\n",
         "2:9: bad memory_mib \"nan\" (MiB, a whole number from 0 to 2^30)"},
        {"name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1000,1024,0,500\n",
         "2:15: gpu_milli 500 with num_gpu 0 (a pod without GPUs has "
         "gpu_milli 0)"},
        {"name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1000,1024,2,0\n",
         "2:15: gpu_milli 0 with num_gpu 2 (want 1 to 1000: the share of "
         "each GPU)"},
        {"name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1000,1024,1\n",
         "2:14: bad gpu_milli \"\" (missing)"},
        {"name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1,1,1,1000,9\n",
         "2:14: 6 fields, the header has 5"},
        {"name,cpu_milli,memory_mib,num_gpu,gpu_milli\n\"p,1,1,1,1000\n",
         "2:1: unterminated quote or text after a closing quote"},
        {"name,cpu_milli,memory_mib,num_gpu\np,1,1,1\n",
         "1: no \"gpu_milli\" column (the header must name at least name, "
         "cpu_milli, memory_mib, num_gpu, gpu_milli, gpu_spec, qos, "
         "pod_phase, creation_time, deletion_time, scheduled_time)"},
        {"name,cpu,memory_mib,num_gpu,gpu_milli\np,1,1,1,1000\n",
         "1:6: unknown column \"cpu\" (the columns are name, cpu_milli, "
         "memory_mib, num_gpu, gpu_milli, gpu_spec, qos, pod_phase, "
         "creation_time, deletion_time, scheduled_time)"},
        {"name,cpu_milli,memory_mib,num_gpu,gpu_milli,NUM_GPU\n",
         "1:45: duplicate column \"NUM_GPU\" (the columns are name, "
         "cpu_milli, memory_mib, num_gpu, gpu_milli, gpu_spec, qos, "
         "pod_phase, creation_time, deletion_time, scheduled_time)"},
        {"p,1000,1024,1,500\n",
         "1:1: no header: the first line must name the columns (name, "
         "cpu_milli, memory_mib, num_gpu, gpu_milli, gpu_spec, qos, "
         "pod_phase, creation_time, deletion_time, scheduled_time)"},
        {"",
         "1:1: empty: no header naming the columns (name, cpu_milli, "
         "memory_mib, num_gpu, gpu_milli, gpu_spec, qos, pod_phase, "
         "creation_time, deletion_time, scheduled_time)"},
        {"name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\n"
         "p,1,1,1,500,A10||T4\n",
         "2:13: bad gpu_spec \"A10||T4\" (GPU models separated by '|', like "
         "A10|V100M32; each 1 to 63 printable characters, no blank or ',')"},
        {"name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\n"
         "p,1,1,1,500,\"A10,T4\"\n",
         "2:13: bad gpu_spec \"A10,T4\" (GPU models separated by '|', like "
         "A10|V100M32; each 1 to 63 printable characters, no blank or ',')"},
        {"name,cpu_milli,memory_mib,num_gpu,gpu_milli\np\x01q,1,1,1,500\n",
         "2:2: pod name \"p\\x01q\" has a control byte"},
    };
    char nodes[64];
    temp_file(nodes, "sn,cpu_milli,memory_mib,gpu,model\nn0,8000,8192,2,T4\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[64], args[512], want[1024];
        temp_file(path, cases[i].text);
        fmt(args, sizeof args, "podsim --nodes %s --pods %s", nodes, path);
        int rc = run2(args);
        fmt(want, sizeof want, "gpusched podsim: %s:%s\n", path, cases[i].msg);
        if (rc != 1 || strcmp(err, want) != 0 || *out)
            fail_msg("case %zu: exit %d, stderr:\n%s\nwant:\n%s", i, rc, err,
                     want);
        unlink(path);
    }
    /* a NUL byte */
    char path[64], args[512];
    snprintf(path, sizeof path, "/tmp/gs_podsim_in_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char nul[] = "name,cpu_milli,memory_mib,num_gpu,gpu_milli\n"
                              "p,1,\0,1,500\n";
    assert_int_equal(write(fd, nul, sizeof nul - 1), (ssize_t)sizeof nul - 1);
    close(fd);
    fmt(args, sizeof args, "podsim --nodes %s --pods %s", nodes, path);
    assert_int_equal(run2(args), 1);
    char want[256];
    fmt(want, sizeof want, "gpusched podsim: %s:2:5: a NUL byte (is this a "
                           "text file?)\n",
        path);
    assert_string_equal(err, want);
    unlink(path);
    /* numbers as traces write them: 1e3, 4.0; a BOM, CRLF, comments,
     * blank lines and columns in any order are fine */
    temp_file(path, "\xef\xbb\xbf# a comment\r\n"
                    "gpu_milli,num_gpu,memory_mib,cpu_milli,name,qos\r\n"
                    "\r\n"
                    "500,1.0,1024,1e3,p,whatever\r\n");
    fmt(args, sizeof args, "podsim --nodes %s --pods %s --order trace --csv",
        nodes, path);
    assert_int_equal(run2(args), 0);
    assert_contains(csv_line("fgd", ""), "fgd,,1,0,25.0000,");
    unlink(path);
    /* no pod with GPUs */
    temp_file(path, "name,cpu_milli,memory_mib,num_gpu,gpu_milli\n"
                    "p,1000,1024,0,0\n");
    fmt(args, sizeof args, "podsim --nodes %s --pods %s", nodes, path);
    assert_int_equal(run2(args), 1);
    fmt(want, sizeof want, "gpusched podsim: %s: no pod with GPUs that the "
                           "cluster could hold\n",
        path);
    assert_string_equal(err, want);
    unlink(path);
    /* a pod no node could hold: left out with a warning */
    temp_file(path, "name,cpu_milli,memory_mib,num_gpu,gpu_milli\n"
                    "big,1000,1024,4,1000\nsmall,1000,1024,1,500\n");
    fmt(args, sizeof args, "podsim --nodes %s --pods %s --order trace",
        nodes, path);
    assert_int_equal(run2(args), 0);
    fmt(want, sizeof want, "gpusched podsim: warning: %s: 1 pod no node can "
                           "hold even when all is free (the first on line "
                           "2); left out\n",
        path);
    assert_true(!strncmp(err, want, strlen(want)));
    assert_contains(out, "; 1 with GPUs arrive; 1 pod no node could ever hold "
                         "skipped\n");
    unlink(path);
    (void)pod_head;
    unlink(nodes);
}

static void node_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"sn,cpu_milli,memory_mib,gpu,model\nn0,8000,8192,65,T4\n",
         "2:14: bad gpu \"65\" (a whole number from 0 to 64)"},
        {"sn,cpu_milli,memory_mib,gpu,model\nn0,1048576001,8192,1,T4\n",
         "2:4: bad cpu_milli \"1048576001\" (a whole number from 0 to "
         "1048576000)"},
        {"sn,cpu_milli,memory_mib,gpu,model\nn0,8000,8192,1,\n",
         "2:16: missing model"},
        {"sn,cpu_milli,memory_mib,gpu,model\nn0,8000,8192,1,T 4\n",
         "2:16: bad model \"T 4\" (1 to 63 printable characters, no blank, "
         "',' or '|')"},
        {"sn,cpu_milli,memory_mib,gpu,model\n,8000,8192,1,T4\n",
         "2:1: missing node name (sn)"},
        {"sn,cpu_milli,memory_mib,gpu\nn0,8000,8192,1\n",
         "1: no \"model\" column (the header must name at least sn, "
         "cpu_milli, memory_mib, gpu, model)"},
        {"sn,cpu_milli,memory_mib,gpu,model\nn0,8000,8192,1,T4\n"
         "n0,8000,8192,1,T4\n",
         "3:1: node \"n0\" twice"},
        {"sn,cpu_milli,memory_mib,gpu,model\nn0,8000,8192,0,\n",
         " no node with GPUs"},
    };
    char pods[64];
    temp_file(pods, "name,cpu_milli,memory_mib,num_gpu,gpu_milli\n"
                    "p,1000,1024,1,500\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[64], args[512], want[1024];
        temp_file(path, cases[i].text);
        fmt(args, sizeof args, "podsim --nodes %s --pods %s", path, pods);
        int rc = run2(args);
        fmt(want, sizeof want, "gpusched podsim: %s:%s\n", path, cases[i].msg);
        if (rc != 1 || strcmp(err, want) != 0 || *out)
            fail_msg("case %zu: exit %d, stderr:\n%s\nwant:\n%s", i, rc, err,
                     want);
        unlink(path);
    }
    /* a name the library refuses: its message, at the name */
    char path[64], args[512];
    temp_file(path, "sn,cpu_milli,memory_mib,gpu,model\n"
                    "\"n 0\",8000,8192,1,T4\n");
    fmt(args, sizeof args, "podsim --nodes %s --pods %s", path, pods);
    assert_int_equal(run2(args), 1);
    char want[256];
    fmt(want, sizeof want, "gpusched podsim: %s:2:1: ", path);
    assert_true(!strncmp(err, want, strlen(want)));
    assert_contains(err, "n 0");
    unlink(path);
    /* a gpu_spec that names part of another model: said once */
    temp_file(path, "sn,cpu_milli,memory_mib,gpu,model\n"
                    "n0,8000,8192,1,A100\nn1,8000,8192,1,A10\n");
    char pods2[64];
    temp_file(pods2, "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\n"
                     "p,1000,1024,1,500,A10\nq,1000,1024,1,500,A10\n");
    fmt(args, sizeof args, "podsim --nodes %s --pods %s --order trace", path,
        pods2);
    assert_int_equal(run2(args), 0);
    fmt(want, sizeof want, "gpusched podsim: warning: %s:2: gpu_spec A10 also "
                           "matches the model A100 (the scheduler matches "
                           "model names as parts of names)\n",
        pods2);
    assert_true(!strncmp(err, want, strlen(want)));
    assert_true(strstr(err + strlen(want), "warning") == NULL);
    unlink(pods2);
    unlink(path);
    unlink(pods);
}

/* ---- the real trace, when ../shared/data has it ------------------------- */

static void alibaba_trace(void **state)
{
    (void)state;
    const char *p = test_shared_data("traces/alibaba-gpu-v2023/"
                                     "openb_node_list_gpu_node.csv");
    if (!p) {
        skip();
        return;
    }
    char nodes[1024], pods[1024], args[4096];
    fmt(nodes, sizeof nodes, "%s", p);
    p = test_shared_data("traces/alibaba-gpu-v2023/"
                         "openb_pod_list_default.csv");
    if (!p) {
        skip();
        return;
    }
    fmt(pods, sizeof pods, "%s", p);
    fmt(args, sizeof args, "podsim --nodes '%s' --pods '%s' --seeds 1 "
                           "--policies best-fit,fgd --check 2000",
        nodes, pods);
    assert_int_equal(run2(args), 0);
    assert_contains(out, "Cluster: 1213 nodes, 6212 GPUs (");
    assert_contains(out, "Pods: 8152 in ");
    assert_contains(out, "; 7064 with GPUs arrive; 1088 CPU-only pods "
                         "skipped");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(help_and_arguments),
        cmocka_unit_test(by_hand_spread),
        cmocka_unit_test(by_hand_all_fit),
        cmocka_unit_test(by_hand_cpus),
        cmocka_unit_test(by_hand_models),
        cmocka_unit_test(json_document),
        cmocka_unit_test(random_arrivals),
        cmocka_unit_test(inputs_and_outputs),
        cmocka_unit_test(pod_errors),
        cmocka_unit_test(node_errors),
        cmocka_unit_test(alibaba_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
