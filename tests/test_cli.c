/*
 * The gpusched command-line tool: exit codes, output, error messages.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include "common/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run the tool with a shell-quoted argument string; capture stdout+stderr. */
static int run(const char *args, char *out, size_t cap)
{
    char cmd[2048];
    /* stderr joins stdout unless the arguments redirect it themselves */
    snprintf(cmd, sizeof cmd, "'%s' %s%s", GS_TOOL_PATH, args,
             strstr(args, "2>") ? "" : " 2>&1");
    return test_run_command(cmd, out, cap);
}

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

/* Run the tool with stdout in out and stderr in err, apart. */
static int run2(const char *args)
{
    char errpath[] = "/tmp/gs_cli_err_XXXXXX";
    int fd = mkstemp(errpath);
    assert_true(fd >= 0);
    close(fd);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>'%s'", GS_TOOL_PATH, args, errpath);
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

/* Parse the tool's output as one JSON document (the library's reader,
 * which refuses trailing text and duplicate keys). */
static void parse_json(json_doc *doc, const char *text)
{
    gs_err e = {{0}};
    if (json_parse(doc, text, strlen(text), "output", &e) != GS_OK)
        fail_msg("not one JSON document: %s\n%s", e.msg, text);
}

/* A temporary file holding text; the path goes to path (cap 64). */
static void temp_file(char *path, const char *text, size_t len)
{
    snprintf(path, 64, "/tmp/gs_cli_in_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

static void version_and_help(void **state)
{
    (void)state;
    assert_int_equal(run("--version", out, sizeof out), 0);
    assert_non_null(strstr(out, GS_VERSION_STRING));
    assert_int_equal(run("--help", out, sizeof out), 0);
    assert_non_null(strstr(out, "topo show"));
    assert_int_equal(run("", out, sizeof out), 2);
    assert_int_equal(run("frobnicate", out, sizeof out), 2);
    assert_non_null(strstr(out, "unknown command 'frobnicate'"));
}

static void topo_show(void **state)
{
    (void)state;
    assert_int_equal(run("topo show dgx1-v100", out, sizeof out), 0);
    assert_non_null(strstr(out, "GPU0\t X \tNV1\tNV1\tNV2\tNV2\tSYS\tSYS\tSYS\t"
                                "0-19,40-59\t0\n"));
    assert_non_null(strstr(out, "Cluster: 1 node, 8 GPUs"));
    assert_int_equal(run("topo show gb200-nvl72", out, sizeof out), 0);
    assert_non_null(strstr(out, "18 nodes, 72 GPUs"));
    assert_non_null(strstr(out, "NVLink domain nvl72: 18 nodes"));
    char args[512];
    snprintf(args, sizeof args, "topo show '%s' --node inline --sources",
             test_data("cluster.json"));
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "GPU0\t X \tNV2\tSYS\t0-3\t0\n"));
    assert_int_equal(run("topo show dgx-h100 --json", out, sizeof out), 0);
    assert_non_null(strstr(out, "\"gpusched\": 1"));
    assert_non_null(strstr(out, "\"nvswitch_links\": 18"));
    /* NVSwitch fabrics get a line: one fabric on a DGX-2 (its trunk is
     * part of the template), two in the hwloc fixture whose switches are
     * not joined (GPU0-1 and GPU2-5, see tests/data/hwloc/README.md). */
    assert_int_equal(run("topo show dgx2", out, sizeof out), 0);
    assert_non_null(strstr(out, "\nNVSwitch fabric: 0: GPU0-15 (6 links "
                                "each)\n"));
    snprintf(args, sizeof args, "topo show '%s' 2>/dev/null",
             test_data("hwloc/nvswitch.xml"));
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "\nNVSwitch fabrics: 0: GPU0-1 ("));
    assert_non_null(strstr(out, "; 1: GPU2-5 ("));
    assert_int_equal(run("topo show dgx1-v100", out, sizeof out), 0);
    assert_null(strstr(out, "NVSwitch"));
    /* runs of nodes that print the same share a line, each kind of node
     * gets one matrix (its first node's), 8 at most */
    char path[256];
    static const char runs[] =
        "{\"nodes\": [{\"name\": \"a[1-3]\", \"template\": \"dgx-h100\"},"
        " {\"name\": \"b1\", \"template\": \"dgx1-v100\"},"
        " {\"name\": \"a[4-5]\", \"template\": \"dgx-h100\"}]}";
    temp_file(path, runs, sizeof runs - 1);
    snprintf(args, sizeof args, "topo show '%s'", path);
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "\n  3 nodes a1 .. a3: 2 NUMA domains"));
    assert_non_null(strstr(out, "\n  b1: 2 NUMA domains"));
    assert_non_null(strstr(out, "\n  2 nodes a4 .. a5: 2 NUMA domains"));
    assert_non_null(strstr(out, "\nNode a1 (and the nodes like it):\n"));
    assert_non_null(strstr(out, "\nNode b1 (and the nodes like it):\n"));
    assert_null(strstr(out, "Node a4"));
    assert_null(strstr(out, "more node kinds"));
    remove(path);
    static const char kinds[] =
        "{\"nodes\": [{\"name\": \"k1\", \"template\": \"dgx1-p100\"},"
        " {\"name\": \"k2\", \"template\": \"dgx1-v100\"},"
        " {\"name\": \"k3\", \"template\": \"dgx2\"},"
        " {\"name\": \"k4\", \"template\": \"dgx-a100\"},"
        " {\"name\": \"k5\", \"template\": \"dgx-h100\"},"
        " {\"name\": \"k6\", \"template\": \"hgx-b200\"},"
        " {\"name\": \"k7\", \"template\": \"gb200-tray\"},"
        " {\"name\": \"k8\", \"template\": \"pcie-8gpu\"},"
        " {\"name\": \"k9\", \"template\": "
        "\"workstation-2gpu-nvlink\"}]}";
    temp_file(path, kinds, sizeof kinds - 1);
    snprintf(args, sizeof args, "topo show '%s'", path);
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "\nNode k8 (and the nodes like it):\n"));
    assert_null(strstr(out, "Node k9"));
    assert_non_null(strstr(out, "\n(more node kinds: use --node NAME)\n"));
    remove(path);
    /* a topology.conf alone has nodes without hardware: say how to give
     * it (every job was refused with "the cluster has 0" GPUs) */
    static const char tc[] = "SwitchName=s0 Nodes=n[1-4]\n";
    temp_file(path, tc, sizeof tc - 1);
    snprintf(args, sizeof args, "place --topo '%s' --gpus 2 2>&1", path);
    assert_int_equal(run(args, out, sizeof out), 3);
    assert_non_null(strstr(out, "warning: "));
    assert_non_null(strstr(out, ": 4 nodes without hardware (no CPUs, memory "
                                "or GPUs): a Slurm topology.conf names nodes "
                                "only; --node-template gives them a built-in "
                                "machine"));
    snprintf(args, sizeof args,
             "place --topo '%s' --gpus 2 --node-template dgx-h100 2>&1", path);
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_null(strstr(out, "without hardware"));
    remove(path);
    /* errors */
    assert_int_equal(run("topo show no-such-thing", out, sizeof out), 1);
    assert_non_null(strstr(out, "no-such-thing: no such file, and no built-in "
                                "template"));
    assert_int_equal(run("topo show dgx-h100 --bogus", out, sizeof out), 2);
    assert_int_equal(run("topo show", out, sizeof out), 2);
    assert_int_equal(run("topo show dgx-h100 --node zz", out, sizeof out), 1);
}

static void topo_convert_roundtrip(void **state)
{
    (void)state;
    char path[] = "/tmp/gs_cli_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char args[1024];
    snprintf(args, sizeof args, "topo convert '%s' '%s'",
             test_data("cluster.json"), path);
    assert_int_equal(run(args, out, sizeof out), 0);
    snprintf(args, sizeof args, "topo convert '%s' -", path);
    assert_int_equal(run(args, out, sizeof out), 0);
    char *saved = test_read_file(path, NULL);
    assert_non_null(saved);
    assert_string_equal(out, saved);
    free(saved);
    /* a broken file gives file:line:column */
    FILE *f = fopen(path, "w");
    fputs("{\n  \"nodes\": [\n    {\"name\": 5}\n  ]\n}\n", f);
    fclose(f);
    snprintf(args, sizeof args, "topo show '%s'", path);
    assert_int_equal(run(args, out, sizeof out), 1);
    char want[600];
    snprintf(want, sizeof want, "%s:3:14: \"name\" must be a string", path);
    if (!strstr(out, want))
        fail_msg("got '%s', want '%s'", out, want);
    snprintf(args, sizeof args, "topo convert dgx2 /nonexistent-dir/x.json");
    assert_int_equal(run(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "No such file or directory"));
    unlink(path);
}

static void templates_and_tour(void **state)
{
    (void)state;
    assert_int_equal(run("topo templates", out, sizeof out), 0);
    for (size_t i = 0; i < gs_template_count(); i++)
        assert_non_null(strstr(out, gs_template_name(i)));
    assert_int_equal(run("tour", out, sizeof out), 0);
    assert_non_null(strstr(out, "4 GPUs: best {0,1,2,3} Q=225"));
    /* what it suggests is one whole command a line, and runs (a command
     * was once split over two lines) */
    static char tour[sizeof out];
    memcpy(tour, out, sizeof tour);
    const char *p = strstr(tour, "\nTry:\n");
    assert_non_null(p);
    int tried = 0;
    for (p += 6; !strncmp(p, "  gpusched ", 11); tried++) {
        size_t w = strcspn(p, "\n");
        char args[256];
        fmt(args, sizeof args, "%.*s >/dev/null", (int)(w - 11), p + 11);
        p += w + 1;
        if (strstr(args, "FILE"))
            continue; /* a placeholder */
        if (run(args, err, sizeof err) != 0)
            fail_msg("the tour's 'gpusched %s' fails: %s", args, err);
    }
    assert_int_equal(tried, 5);
}

static void place(void **state)
{
    (void)state;
    /* the issue's DGX-1 V100 cases, through the command line */
    struct {
        const char *args, *out;
        int rc;
    } cases[] = {
        {"--free 0,2,4,5 --gpus 2", "0,4\n", 0},
        {"--free 0,1,4 --gpus 2", "0,4\n", 0},
        {"--free 0,4,5,6 --gpus 2", "5,6\n", 0},
        {"--require 4 --gpus 2", "4,7\n", 0},
        {"--gpus 4", "0,1,2,3\n", 0},
        {"--gpus 4,4", "0,1,2,3\n4,5,6,7\n", 0},
        {"--busy 0-3 --gpus 2", "4,7\n", 0},
        {"--gpus 2 --placement first-fit", "0,1\n", 0},
        /* the old spelling of --placement */
        {"--gpus 2 --policy first-fit", "0,1\n", 0},
        {"--gpus=2 --placement=first-fit", "0,1\n", 0},
    };
    char args[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(args, sizeof args, "place --topo dgx1-v100 %s 2>/dev/null",
                 cases[i].args);
        int rc = run(args, out, sizeof out);
        if (rc != cases[i].rc || strcmp(out, cases[i].out) != 0)
            fail_msg("place %s: rc %d, output '%s'", cases[i].args, rc, out);
    }
    /* cannot place: exit 3, an empty line, the reason on stderr */
    assert_int_equal(run("place --topo dgx1-v100 --busy 4 --require 4 --gpus 2",
                         out, sizeof out),
                     3);
    assert_non_null(strstr(out, "required GPU 4"));
    assert_int_equal(run("place --topo dgx1-v100 --require 0,1,2 --gpus 2",
                         out, sizeof out),
                     3);
    assert_non_null(strstr(out, "3 GPUs required"));
    assert_non_null(strstr(out, "the job asks for 2"));
    assert_int_equal(run("place --topo dgx1-v100 --free 0,1 --gpus 3", out,
                         sizeof out),
                     3);
    assert_non_null(strstr(out, "needs 3 GPUs"));
    /* --json: one document, every job in it, placed or not */
    assert_int_equal(run2("place --topo dgx1-v100 --busy 0-3 --gpus 2,3 "
                          "--json"),
                     3);
    json_doc doc;
    parse_json(&doc, out);
    const json_value *pl = json_member_get(doc.root, "placements")->value;
    assert_int_equal(pl->u.arr.n, 2);
    const json_value *j1 = pl->u.arr.items[0], *j2 = pl->u.arr.items[1];
    assert_int_equal(json_member_get(j1, "job")->value->u.num.i, 1);
    assert_int_equal(json_member_get(j1, "gpus_requested")->value->u.num.i, 2);
    const json_value *g = json_member_get(j1, "gpus")->value;
    assert_int_equal(g->u.arr.n, 2);
    assert_int_equal(g->u.arr.items[0]->u.num.i, 4);
    assert_int_equal(g->u.arr.items[1]->u.num.i, 7);
    /* GPUs 4 and 7 of a DGX-1V: one NVLink pair of 2 links, 50 GB/s */
    assert_true(json_number_double(json_member_get(j1, "quality")->value) ==
                50);
    assert_string_equal(
        json_member_get(j1, "nodes")->value->u.arr.items[0]->u.str.s,
        "dgx1-v100");
    assert_int_equal(json_member_get(j1, "reason")->value->type, JSON_NULL);
    /* the second needs 3 of the 2 left */
    assert_int_equal(json_member_get(j2, "gpus")->value->u.arr.n, 0);
    assert_int_equal(json_member_get(j2, "quality")->value->type, JSON_NULL);
    assert_int_equal(json_member_get(j2, "reason")->value->type, JSON_STRING);
    assert_int_equal(json_member_get(doc.root, "placed")->value->u.num.i, 1);
    assert_int_equal(json_member_get(doc.root, "not_placed")->value->u.num.i,
                     1);
    json_doc_free(&doc);
    assert_contains(err, "job 2 (3 GPUs) not placed");
    /* a job that cannot be placed does not stop the next one */
    assert_int_equal(run("place --topo dgx1-v100 --gpus 9,2 2>/dev/null", out,
                         sizeof out),
                     3);
    assert_string_equal(out, "\n0,3\n");
    /* bad arguments: exit 2 */
    assert_int_equal(run("place --topo dgx1-v100", out, sizeof out), 2);
    assert_int_equal(run("place --topo dgx1-v100 --gpus x", out, sizeof out),
                     2);
    assert_int_equal(run("place --topo dgx1-v100 --gpus 2 --free 0,9", out,
                         sizeof out),
                     2);
    assert_non_null(strstr(out, "bad GPU index"));
    assert_int_equal(run("place --topo dgx1-v100 --gpus 2 --placement nope",
                         out, sizeof out),
                     2);
    assert_non_null(strstr(out, "nvlink-pack"));
    /* numbers: digits only, in range (strtoul took "-1" and blanks) */
    static const char *const bad[] = {
        "--gpus 0", "--gpus -1", "--gpus 4294967296", "--gpus 1,,2",
        "--gpus 2,", "--gpus ' 2'", "--gpus +2", "--gpus 2 --free 99999999999999999999",
        "--gpus 2 --free 3-1", "--gpus 2 --free 1,", "--gpus 2 --free ''",
        "--gpus 2 --busy -1", "--gpus 2 --require 0x1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char line[256];
        fmt(line, sizeof line, "place --topo dgx1-v100 %s", bad[i]);
        int rc = run2(line);
        if (rc != 2 || !strstr(err, "try 'gpusched place --help'\n") || *out)
            fail_msg("place %s: rc %d, stdout '%s', stderr '%s'", bad[i], rc,
                     out, err);
    }
    assert_int_equal(run("place --topo dgx1-v100 --gpus 2 --free 1 --busy 2",
                         out, sizeof out),
                     2);
    assert_int_equal(run("place --topo nowhere.json --gpus 2", out, sizeof out),
                     1);
}

/* gpusched share on Slurm's classic example (values in test_order.c) */
static void share(void **state)
{
    (void)state;
    char args[1024], acc[512];
    /* test_data() returns a static buffer: one call per expression */
    snprintf(acc, sizeof acc, "%s",
             test_data("sched/slurm-classic-accounts.json"));
    snprintf(args, sizeof args, "share --accounts '%s' --usage '%s' --algo "
                                "classic",
             acc, test_data("sched/slurm-classic-usage.csv"));
    assert_int_equal(run(args, out, sizeof out), 0);
    const char *line = strstr(out, " user2 ");
    assert_non_null(line);
    assert_non_null(strstr(line, "0.022097"));
    assert_non_null(strstr(out, "0.749154"));
    snprintf(args, sizeof args, "share --accounts '%s' --usage '%s' --json",
             acc, test_data("sched/slurm-classic-usage.csv"));
    assert_int_equal(run(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"algorithm\": \"fair-tree\""));
    assert_non_null(strstr(out, "\"user\": \"user5\""));
    /* errors name the file and place */
    assert_int_equal(run("share --accounts /nonexistent.json --usage x",
                         out, sizeof out),
                     1);
    assert_non_null(strstr(out, "/nonexistent.json"));
    assert_int_equal(run("share", out, sizeof out), 2);
    assert_int_equal(run("share --algo lottery --accounts a --usage b", out,
                         sizeof out),
                     2);
}

/* gpusched state show on the checked-in format-1 snapshot
 * (tests/data/state/make_state_files.c says what it holds). */
static void state_show(void **state)
{
    (void)state;
    char args[1024], path[512];
    snprintf(path, sizeof path, "%s", test_data("state/v1-small.gss"));
    snprintf(args, sizeof args, "state show '%s'", path);
    assert_int_equal(run2(args), 0);
    assert_contains(out, "6 calls recorded; clock 170");
    assert_contains(out, "dgx-h100:0,1,2,3");  /* job 1 runs there */
    assert_contains(out, "completed two");
    assert_contains(out, "needs 8 GPUs");      /* why job 3 waits */
    assert_contains(out, "events not yet read: 2");
    /* JSON: one document with the three jobs */
    snprintf(args, sizeof args, "state show --json '%s'", path);
    assert_int_equal(run2(args), 0);
    json_doc doc;
    parse_json(&doc, out);
    const json_member *jobs = json_member_get(doc.root, "jobs");
    assert_non_null(jobs);
    assert_int_equal(jobs->value->u.arr.n, 3);
    json_doc_free(&doc);
    assert_contains(out, "\"clock\": 170");
    /* standard input, and only the latest job */
    snprintf(args, sizeof args, "state show - --jobs 1 < '%s'", path);
    assert_int_equal(run2(args), 0);
    assert_contains(out, "2 earlier jobs left out");
    /* another machine: the first difference named; exit 1 */
    snprintf(args, sizeof args, "state show '%s' --topo dgx1-v100", path);
    assert_int_equal(run2(args), 1);
    assert_contains(err, "node 0 is \"dgx-h100\" in the snapshot");
    /* damaged: a byte changed, a file cut short */
    size_t len = 0;
    char *bytes = test_read_file(path, &len);
    assert_non_null(bytes);
    char tmp[64];
    bytes[len / 2] ^= 0x10;
    temp_file(tmp, bytes, len);
    snprintf(args, sizeof args, "state show '%s'", tmp);
    assert_int_equal(run2(args), 1);
    assert_contains(err, "checksum mismatch");
    unlink(tmp);
    temp_file(tmp, bytes, 100);
    snprintf(args, sizeof args, "state show '%s'", tmp);
    assert_int_equal(run2(args), 1);
    assert_contains(err, "offset 12");
    unlink(tmp);
    free(bytes);
    /* usage errors */
    assert_int_equal(run2("state show"), 2);
    assert_contains(err, "--file");
    assert_int_equal(run2("state show x --jobs many"), 2);
    assert_int_equal(run2("state show --help"), 0);
    assert_contains(out, "usage: gpusched state show");
    assert_int_equal(run2("state show /nonexistent.gss"), 1);
    assert_contains(err, "/nonexistent.gss");
    /* a running CPU-only job: its node and CPUs */
    gs_topo *t = NULL;
    assert_int_equal(gs_topo_load(&t, "dgx-a100", NULL), GS_OK);
    gs_sched *s = NULL;
    assert_int_equal(gs_sched_create(&s, t, NULL), GS_OK);
    gs_job_spec spec = GS_JOB_SPEC_INIT;
    spec.cpus_per_gpu = 8;
    assert_int_equal(gs_sched_submit(s, &spec, NULL), GS_OK);
    assert_int_equal(gs_sched_step(s, 0, NULL), GS_OK);
    fmt(path, sizeof path, "/tmp/gs_cpu_%d.gss", (int)getpid());
    assert_int_equal(gs_sched_save_file(s, path), GS_OK);
    gs_sched_destroy(s);
    gs_topo_destroy(t);
    snprintf(args, sizeof args, "state show '%s'", path);
    assert_int_equal(run2(args), 0);
    assert_contains(out, "dgx-a100 (8 CPUs)");
    unlink(path);
}

/* Run gpusched sim on a fixture; the CSV goes to a file, the summary to
 * stdout. */
static const char *sim(const char *jobs, const char *extra, char *csv,
                       size_t cap)
{
    char path[] = "/tmp/gs_sim_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char args[1024];
    snprintf(args, sizeof args, "sim --topo dgx-h100 --jobs '%s' --out '%s' %s",
             test_data(jobs), path, extra);
    if (run(args, out, sizeof out) != 0)
        fail_msg("sim failed: %s", out);
    char *text = test_read_file(path, NULL);
    assert_non_null(text);
    snprintf(csv, cap, "%s", text);
    free(text);
    unlink(path);
    return csv;
}

static void sim_scenarios(void **state)
{
    (void)state;
    char csv[4096];
    /* the issue's easy-backfill scenario (worked in test_order.c): D runs
     * at 0 before B's reserved start, C waits for B */
    sim("sim/issue-easy.csv", "--ordering priority --backfill easy", csv,
        sizeof csv);
    assert_string_equal(csv, "id,submit,start,end,nodes,gpus,"
                             "reason_if_never_started\n"
                             "A,0,0,100,dgx-h100,6,\n"
                             "B,0,100,300,dgx-h100,8,\n"
                             "C,0,300,450,dgx-h100,2,\n"
                             "D,0,0,40,dgx-h100,2,\n");
    /* waits 0, 100, 300, 0: mean 100, median 50, p95 (nearest rank) 300;
     * GPU-seconds 600 + 1600 + 300 + 80 = 2580 of 8 * 450 = 71.7% */
    assert_non_null(strstr(out, "wait: mean 100.0 s, median 50.0 s, p95 "
                                "300.0 s"));
    assert_non_null(strstr(out, "makespan 450 s, GPU utilization 71.7%"));
    sim("sim/issue-easy.csv", "--ordering priority --backfill none", csv,
        sizeof csv);
    assert_non_null(strstr(csv, "D,0,300,340,"));
    /* fair share: u2 (no usage) passes u1 at 500; at 1500 u1's decayed
     * usage (1690) is below u2's (5771): u1 goes first */
    char acc[600];
    snprintf(acc, sizeof acc, "--accounts '%s'", test_data("sim/fairshare.json"));
    sim("sim/fairshare.csv", acc, csv, sizeof csv);
    assert_non_null(strstr(csv, "J2,400,1500,2500,"));
    assert_non_null(strstr(csv, "J3,450,500,1500,"));
    assert_non_null(strstr(csv, "J4,1000,2500,2600,"));
    /* the same jobs first come, first served */
    strcat(acc, " --ordering fifo");
    sim("sim/fairshare.csv", acc, csv, sizeof csv);
    assert_non_null(strstr(csv, "J2,400,500,1500,"));
    assert_non_null(strstr(csv, "J3,450,1500,2500,"));
    /* preemption: H (4 GPUs, priority 10) at 100 preempts P1 (8 GPUs);
     * requeued, P1 runs again from 300 to 1300; cancelled, it ends at 100 */
    sim("sim/preempt.csv", "--ordering priority --preempt requeue", csv,
        sizeof csv);
    assert_non_null(strstr(csv, "P1,0,300,1300,"));
    assert_non_null(strstr(csv, "H,100,100,300,"));
    assert_non_null(strstr(out, "preemptions: 1 (1 requeued)"));
    sim("sim/preempt.csv", "--ordering priority --preempt cancel", csv,
        sizeof csv);
    assert_non_null(strstr(csv, "P1,0,0,100,dgx-h100,8,\"preempted\"\n"));
    /* bad input: file:line and what */
    char path[] = "/tmp/gs_sim_bad_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("id,submit,duration,time_limit,gpus\nx,0,10,,2\ny,0,ten,,2\n", f);
    fclose(f);
    char args[512];
    snprintf(args, sizeof args, "sim --topo dgx-h100 --jobs '%s'", path);
    assert_int_equal(run(args, out, sizeof out), 1);
    char want[256];
    snprintf(want, sizeof want, "%s:3:5: bad duration \"ten\"", path);
    if (!strstr(out, want))
        fail_msg("got '%s', want '%s'", out, want);
    /* a header names columns in any order (any case; id and time_limit
     * may be left out); quoted fields; blank and comment lines */
    static const struct {
        const char *text, *want; /* want: in the CSV, or in the error */
        int rc;
    } cases[] = {
        {"GPUs,Submit,Duration\n\n# c\n  4 , 0 , 50\n", "1,0,0,50,dgx-h100,4,\n", 0},
        {"submit,id,gpus,duration,time_limit\n0,\"a,\"\"b\"\"\",8,5,5\n",
         "\"a,\"\"b\"\"\",0,0,5,dgx-h100,8,\n", 0},
        {"id,submit,gpus,duration,time_limt\nA,0,6,100,100\n",
         ":1:25: unknown column \"time_limt\"", 1},
        {"id,submit,gpus,gpus,duration\nA,0,6,6,100\n",
         ":1:16: duplicate column \"gpus\"", 1},
        {"id,submit,duration\nA,0,100\n", ":1: no \"gpus\" column", 1},
        {"id,submit,duration,time_limit,gpus\nA,0,100,100\n",
         ":2:12: bad gpus \"\" (missing)", 1},
        {"id,submit,duration,time_limit,gpus\n\"A,0,100,100,4\n",
         ":2:1: unterminated quote", 1},
        {"id,submit,duration,time_limit,gpus\nA,0,100,100,4,7\n",
         ":2:15: 6 fields, the header has 5", 1},
        {"A,0,100,,2\n", "A,0,0,100,dgx-h100,2,\n", 0}, /* no header */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(cases[k].text, f);
        fclose(f);
        snprintf(args, sizeof args,
                 "sim --topo dgx-h100 --jobs '%s' --out '%s.out'", path, path);
        int rc = run(args, out, sizeof out);
        char outpath[64];
        snprintf(outpath, sizeof outpath, "%s.out", path);
        size_t len = 0;
        char *got = rc == 0 ? test_read_file(outpath, &len) : NULL;
        const char *hay = got ? got : out;
        if (rc != cases[k].rc || !strstr(hay, cases[k].want))
            fail_msg("case %zu: rc %d, got '%s', want '%s'", k, rc, hay,
                     cases[k].want);
        free(got);
        unlink(outpath);
    }
    unlink(path);
    assert_int_equal(run("sim --topo dgx-h100", out, sizeof out), 2);
    assert_int_equal(run("sim --topo dgx-h100 --jobs x --backfill maybe", out,
                         sizeof out),
                     2);
}


/* ---- every command answers --help (issue 11) ----------------------------- */

#define MAX_COMMANDS 64

/* The commands as the tool lists them (one table in the tool). */
static size_t list_commands(char names[][32])
{
    assert_int_equal(run2("help --commands"), 0);
    size_t n = 0;
    for (char *p = out; *p && n < MAX_COMMANDS;) {
        size_t w = strcspn(p, "\n");
        assert_true(w > 0 && w < 32);
        memcpy(names[n], p, w);
        names[n++][w] = '\0';
        p += w + (p[w] == '\n');
    }
    return n;
}

/* Check one option block of a help text: its default or "required", and
 * that the parser takes each spelling it names. */
static void check_option_block(const char *cmd, const char *help,
                               const char *block, size_t len)
{
    /* the block as one line: the wrapping may fall anywhere */
    char text[2048];
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < sizeof text; i++) {
        if (block[i] == '\n' && i + 1 < len) {
            while (i + 1 < len && block[i + 1] == ' ')
                i++;
            text[n++] = ' ';
        } else {
            text[n++] = block[i];
        }
    }
    text[n] = '\0';
    if (!strstr(text, "(default: ") && !strstr(text, "(required"))
        fail_msg("gpusched %s --help: no default for:\n%s", cmd, text);
    /* the spellings: the head of the first line, and the aliases */
    char names[8][48];
    size_t nn = 0;
    const char *p = text + 2;
    bool value = false;
    while (*p == '-' && nn < 8) {
        size_t w = strcspn(p, " ,\n");
        fmt(names[nn++], sizeof names[0], "%.*s", (int)w, p);
        p += w;
        if (*p == ',')
            p += 2;
        else if (p[0] == ' ' && p[1] != ' ' && p[1] != '\n')
            value = true; /* a metavariable follows */
    }
    const char *al = strstr(text, "alias: ");
    if (!al)
        al = strstr(text, "aliases: ");
    for (p = al ? strchr(al, ':') + 2 : NULL; p && *p == '-' && nn < 8;) {
        size_t w = strcspn(p, " ;)\n");
        fmt(names[nn++], sizeof names[0], "%.*s", (int)w, p);
        p += w;
        while (*p == ' ' || *p == '\n')
            p++;
    }
    assert_true(nn > 0);
    for (size_t i = 0; i < nn; i++) {
        if (!strcmp(names[i], "-h") || !strcmp(names[i], "--help"))
            continue;
        /* the parser reads options in turn, so an unknown one would fail
         * before --help */
        char args[256];
        fmt(args, sizeof args, "%s %s %s --help", cmd, names[i],
                 value ? "x" : "");
        int rc = run2(args);
        if (rc != 0 || strcmp(out, help) != 0)
            fail_msg("gpusched %s: %s is in the help but not taken (rc %d, "
                     "%s)",
                     cmd, names[i], rc, err);
    }
}

static void help_everywhere(void **state)
{
    (void)state;
    static char names[MAX_COMMANDS][32];
    size_t n = list_commands(names);
    /* the commands the issue names are there */
    static const char *const must[] = {"tour", "probe", "topo", "topo show",
                                       "topo convert", "topo templates",
                                       "place", "share", "sim", "help"};
    for (size_t k = 0; k < sizeof must / sizeof must[0]; k++) {
        bool found = false;
        for (size_t i = 0; i < n; i++)
            found |= !strcmp(names[i], must[k]);
        if (!found)
            fail_msg("'%s' is not in gpusched help --commands", must[k]);
    }
    assert_int_equal(run2("--help"), 0);
    static char top[1 << 14];
    fmt(top, sizeof top, "%s", out);
    assert_int_equal(run2("help"), 0);
    assert_string_equal(out, top);
    static char help[1 << 16];
    for (size_t i = 0; i < n; i++) {
        const char *c = names[i];
        /* the top-level help lists it (a group by its subcommands) */
        char line[64];
        fmt(line, sizeof line, "\n  %s", c);
        if (!strstr(top, line))
            fail_msg("gpusched --help does not list '%s'", c);
        char args[256];
        fmt(args, sizeof args, "%s --help", c);
        assert_int_equal(run2(args), 0);
        if (*err)
            fail_msg("gpusched %s --help wrote to stderr: %s", c, err);
        fmt(help, sizeof help, "%s", out);
        /* -h and `help CMD` print the same */
        fmt(args, sizeof args, "%s -h", c);
        assert_int_equal(run2(args), 0);
        assert_string_equal(out, help);
        fmt(args, sizeof args, "help %s", c);
        assert_int_equal(run2(args), 0);
        assert_string_equal(out, help);
        assert_string_equal(err, "");
        /* usage, options, examples */
        char want[128];
        fmt(want, sizeof want, "usage: gpusched %s ", c);
        if (strncmp(help, want, strlen(want)) != 0)
            fail_msg("gpusched %s --help starts with '%.40s'", c, help);
        assert_contains(help, "\nOptions:\n");
        fmt(want, sizeof want, "\nExamples:\n  gpusched %s", c);
        assert_contains(help, want);
        assert_contains(help, "\nExit status: ");
        /* every option block has a default, and its spellings are taken */
        size_t blocks = 0;
        for (const char *p = strstr(help, "\nOptions:\n"); p;) {
            p = strstr(p, "\n  -");
            if (!p)
                break;
            p++;
            const char *end = p;
            do
                end = strchr(end, '\n') + 1;
            while (!strncmp(end, "                        ", 24));
            check_option_block(c, help, p, (size_t)(end - p));
            blocks++;
            p = end - 1;
        }
        assert_true(blocks >= 1); /* -h, --help at least */
        /* a wrong argument: one line, then what to try; exit 2 */
        fmt(args, sizeof args, "%s --no-such-option", c);
        assert_int_equal(run2(args), 2);
        assert_string_equal(out, "");
        fmt(want, sizeof want,
                 "gpusched %s: unknown option '--no-such-option'\n"
                 "try 'gpusched %s --help'\n",
                 c, c);
        assert_string_equal(err, want);
        /* the examples that need no file run (probe needs a GPU) */
        if (!strcmp(c, "probe"))
            continue;
        for (const char *p = strstr(help, "\nExamples:\n") + 11; *p;) {
            size_t w = strcspn(p, "\n");
            char ex[256];
            bool ours = w > 11 && !strncmp(p, "  gpusched ", 11);
            if (ours)
                fmt(ex, sizeof ex, "%.*s", (int)(w - 11), p + 11);
            p += w + (p[w] == '\n');
            if (!ours || strpbrk(ex, "./<|'"))
                continue;
            fmt(args, sizeof args, "%s >/dev/null", ex);
            int rc = run2(args);
            if (rc != 0)
                fail_msg("example 'gpusched %s' exits %d: %s", ex, rc, err);
        }
    }
    /* help for what does not exist */
    assert_int_equal(run2("help frobnicate"), 2);
    assert_string_equal(err, "gpusched help: no command 'frobnicate'\n"
                             "try 'gpusched help --help'\n");
    assert_int_equal(run2("help topo frobnicate"), 2);
    assert_int_equal(run2("topo frobnicate"), 2);
    assert_string_equal(err, "gpusched topo: unknown subcommand 'frobnicate'\n"
                             "try 'gpusched topo --help'\n");
    assert_int_equal(run2("topo"), 2);
    assert_contains(err, "show, convert, templates");
    /* the complaints of the issue, one by one */
    assert_int_equal(run2("tour --help"), 0);
    assert_contains(out, "usage: gpusched tour");
    assert_int_equal(run2("sim --help"), 0);
    assert_contains(out, "--backfill-interval SECONDS");
    /* a value that looks like an option is not taken as one */
    assert_int_equal(run2("sim --topo --jobs x"), 2);
    assert_string_equal(err, "gpusched sim: --topo needs a value (SRC)\n"
                             "try 'gpusched sim --help'\n");
    assert_int_equal(run2("place --topo dgx1-v100 --gpus 2 --gpus 3"), 2);
    assert_contains(err, "--gpus given twice");
    assert_int_equal(run2("topo show dgx1-v100 --topo dgx2"), 2);
    assert_contains(err, "--topo given twice");
    /* typed once by its old name: the message names both spellings */
    assert_int_equal(
        run2("place --topo dgx1-v100 --gpus 2 --policy first-fit "
             "--placement spread"),
        2);
    assert_string_equal(err, "gpusched place: --placement (or --policy) given "
                             "twice ('first-fit' and 'spread')\n"
                             "try 'gpusched place --help'\n");
    /* --help is known: with a value it is that, not "unknown" */
    assert_int_equal(run2("place --help=yes"), 2);
    assert_string_equal(err, "gpusched place: --help takes no value\n"
                             "try 'gpusched place --help'\n");
}

/* ---- one spelling per concept, the old ones still taken ------------------ */

static void aliases(void **state)
{
    (void)state;
    static char want[1 << 16];
    /* the topology: --topo everywhere, a bare argument where it was one */
    assert_int_equal(run2("topo show --topo dgx1-v100"), 0);
    fmt(want, sizeof want, "%s", out);
    assert_int_equal(run2("topo show dgx1-v100"), 0);
    assert_string_equal(out, want);
    assert_int_equal(run2("topo convert --topo dgx2 --out -"), 0);
    fmt(want, sizeof want, "%s", out);
    assert_int_equal(run2("topo convert dgx2 -"), 0);
    assert_string_equal(out, want);
    assert_int_equal(run2("topo convert dgx2"), 0); /* OUT defaults to - */
    assert_string_equal(out, want);
    /* the matrix's sources: --sources, and probe's old --source */
    assert_int_equal(run2("topo show dgx1-v100 --sources"), 0);
    fmt(want, sizeof want, "%s", out);
    assert_int_equal(run2("topo show dgx1-v100 --source"), 0);
    assert_string_equal(out, want);
    /* the fair-share algorithm: --fairshare, share's old --algo */
    char args[1024], acc[512];
    fmt(acc, sizeof acc, "%s",
             test_data("sched/slurm-classic-accounts.json"));
    fmt(args, sizeof args, "share --accounts '%s' --usage '%s' "
                                "--fairshare classic",
             acc, test_data("sched/slurm-classic-usage.csv"));
    assert_int_equal(run2(args), 0);
    fmt(want, sizeof want, "%s", out);
    fmt(args, sizeof args, "share --accounts '%s' --usage '%s' "
                                "--algo classic",
             acc, test_data("sched/slurm-classic-usage.csv"));
    assert_int_equal(run2(args), 0);
    assert_string_equal(out, want);
    /* the placement policy: --placement, place's old --policy (also in
     * sim now) */
    char jobs[64];
    static const char trace[] = "id,submit,duration,gpus\na,0,10,2\n";
    temp_file(jobs, trace, sizeof trace - 1);
    fmt(args, sizeof args, "sim --topo dgx1-v100 --jobs %s --placement "
                                "first-fit",
             jobs);
    assert_int_equal(run2(args), 0);
    assert_contains(out, "a,0,0,10,dgx1-v100,2,\n");
    fmt(want, sizeof want, "%s", out);
    fmt(args, sizeof args, "sim --topo dgx1-v100 --jobs %s --policy "
                                "first-fit",
             jobs);
    assert_int_equal(run2(args), 0);
    assert_string_equal(out, want);
    unlink(jobs);
}

/* ---- one output convention ------------------------------------------------ */

static void json_everywhere(void **state)
{
    (void)state;
    json_doc doc;
    /* topo templates */
    assert_int_equal(run2("topo templates --json"), 0);
    parse_json(&doc, out);
    const json_value *tl = json_member_get(doc.root, "templates")->value;
    assert_int_equal(tl->u.arr.n, gs_template_count());
    for (size_t i = 0; i < tl->u.arr.n; i++) {
        const json_value *e = tl->u.arr.items[i];
        assert_string_equal(json_member_get(e, "name")->value->u.str.s,
                            gs_template_name(i));
        assert_string_equal(json_member_get(e, "kind")->value->u.str.s,
                            gs_template_is_cluster(i) ? "cluster" : "node");
    }
    json_doc_free(&doc);
    /* topo show and convert: the topology document */
    assert_int_equal(run2("topo show dgx2 --json"), 0);
    parse_json(&doc, out);
    assert_non_null(json_member_get(doc.root, "gpusched"));
    json_doc_free(&doc);
    assert_int_equal(run2("topo show dgx2 --json --node dgx2"), 2);
    /* share */
    char args[1024], acc[512];
    fmt(acc, sizeof acc, "%s",
             test_data("sched/slurm-classic-accounts.json"));
    fmt(args, sizeof args, "share --accounts '%s' --usage '%s' --json "
                                "--fairshare classic",
             acc, test_data("sched/slurm-classic-usage.csv"));
    assert_int_equal(run2(args), 0);
    parse_json(&doc, out);
    assert_string_equal(
        json_member_get(doc.root, "algorithm")->value->u.str.s, "classic");
    const json_value *rows = json_member_get(doc.root, "rows")->value;
    bool seen = false;
    for (size_t i = 0; i < rows->u.arr.n; i++) {
        const json_value *r = rows->u.arr.items[i];
        const json_member *u = json_member_get(r, "user");
        if (u->value->type != JSON_STRING ||
            strcmp(u->value->u.str.s, "user2") != 0)
            continue;
        /* Slurm's example: user2's factor 0.022097 (test_order.c) */
        double f = json_number_double(json_member_get(r, "fairshare")->value);
        assert_true(f > 0.0220965 && f < 0.0220975);
        seen = true;
    }
    assert_true(seen);
    json_doc_free(&doc);
    /* sim: the jobs and a summary, in one document */
    fmt(args, sizeof args, "sim --topo dgx-h100 --jobs '%s' --ordering "
                                "priority --backfill easy --json",
             test_data("sim/issue-easy.csv"));
    assert_int_equal(run2(args), 0);
    assert_string_equal(err, "");
    parse_json(&doc, out);
    const json_value *jobs = json_member_get(doc.root, "jobs")->value;
    assert_int_equal(jobs->u.arr.n, 4);
    /* B: submitted at 0, started at 100 when A ended, ended at 300 */
    const json_value *b = jobs->u.arr.items[1];
    assert_string_equal(json_member_get(b, "id")->value->u.str.s, "B");
    assert_int_equal(json_member_get(b, "start")->value->u.num.i, 100);
    assert_int_equal(json_member_get(b, "end")->value->u.num.i, 300);
    assert_int_equal(json_member_get(b, "gpus")->value->u.num.i, 8);
    assert_int_equal(json_member_get(b, "reason")->value->type, JSON_NULL);
    const json_value *sum = json_member_get(doc.root, "summary")->value;
    /* as in sim_scenarios: waits 0, 100, 300, 0 */
    assert_int_equal(json_member_get(sum, "jobs")->value->u.num.i, 4);
    assert_int_equal(json_member_get(sum, "started")->value->u.num.i, 4);
    assert_true(json_number_double(json_member_get(sum, "wait_mean")->value) ==
                100);
    assert_true(
        json_number_double(json_member_get(sum, "wait_median")->value) == 50);
    assert_true(json_number_double(json_member_get(sum, "wait_p95")->value) ==
                300);
    assert_int_equal(json_member_get(sum, "makespan")->value->u.num.i, 450);
    /* 2580 GPU-seconds of 8 x 450 */
    double util =
        json_number_double(json_member_get(sum, "gpu_utilization")->value);
    assert_true(util > 2580.0 / 3600 - 1e-12 && util < 2580.0 / 3600 + 1e-12);
    json_doc_free(&doc);
    /* a name that needs escaping comes out as valid JSON */
    char jpath[64];
    static const char trace[] =
        "id,submit,duration,gpus\n\"say \"\"hi\"\"\\\t\",0,1,1\n";
    temp_file(jpath, trace, sizeof trace - 1);
    fmt(args, sizeof args, "sim --topo dgx-h100 --jobs %s --json",
             jpath);
    assert_int_equal(run2(args), 0);
    parse_json(&doc, out);
    assert_string_equal(json_member_get(json_member_get(doc.root, "jobs")
                                            ->value->u.arr.items[0],
                                        "id")
                            ->value->u.str.s,
                        "say \"hi\"\\\t");
    json_doc_free(&doc);
    unlink(jpath);
}

/* ---- standard input and output -------------------------------------------- */

static void standard_streams(void **state)
{
    (void)state;
    char args[1024];
    /* a topology on standard input: nvidia-smi topo -m text */
    fmt(args, sizeof args, "topo show - --hostname n1 < '%s'",
             test_data("dgx1-v100-topo-m.txt"));
    assert_int_equal(run2(args), 0);
    assert_contains(out, "GPU0\t X \tNV1\tNV1\tNV2\tNV2\tSYS\tSYS\tSYS\t");
    assert_contains(out, "n1: ");
    fmt(args, sizeof args, "place --topo - --gpus 2 --free 0,2,4,5 < '%s'",
             test_data("dgx1-v100-topo-m.txt"));
    assert_int_equal(run2(args), 0);
    assert_string_equal(out, "0,4\n");
    /* jobs, accounts and usage on standard input */
    fmt(args, sizeof args,
             "sim --topo dgx-h100 --jobs - --ordering priority --backfill "
             "easy < '%s'",
             test_data("sim/issue-easy.csv"));
    assert_int_equal(run2(args), 0);
    assert_contains(out, "D,0,0,40,dgx-h100,2,\n");
    char acc[512];
    fmt(acc, sizeof acc, "%s",
             test_data("sched/slurm-classic-accounts.json"));
    fmt(args, sizeof args,
             "share --accounts - --usage '%s' --fairshare classic < '%s'",
             test_data("sched/slurm-classic-usage.csv"), acc);
    assert_int_equal(run2(args), 0);
    assert_contains(out, "0.022097");
    /* only one input can be standard input */
    assert_int_equal(run2("share --accounts - --usage - < /dev/null"), 2);
    assert_string_equal(err, "gpusched share: --accounts and --usage both "
                             "read standard input (-): only one of them can\n"
                             "try 'gpusched share --help'\n");
    assert_int_equal(run2("sim --topo - --jobs - < /dev/null"), 2);
    /* errors in standard input name it */
    char path[64];
    static const char bad[] = "id,submit,duration,gpus\nA,0,x,1\n";
    temp_file(path, bad, sizeof bad - 1);
    fmt(args, sizeof args, "sim --topo dgx-h100 --jobs - < %s", path);
    assert_int_equal(run2(args), 1);
    assert_string_equal(err, "gpusched sim: <stdin>:2:5: bad duration \"x\" "
                             "(seconds, from 0 to 2^60)\n");
    unlink(path);
    /* empty inputs: a clear error, or nothing to do */
    assert_int_equal(run2("topo show - < /dev/null"), 1);
    assert_contains(err, "<stdin>");
    assert_int_equal(run2("sim --topo dgx-h100 --jobs /dev/null"), 0);
    assert_string_equal(out,
                        "id,submit,start,end,nodes,gpus,"
                        "reason_if_never_started\n");
    assert_contains(err, "jobs 0, started 0");
    assert_int_equal(run2("share --accounts /dev/null"), 1);
    assert_contains(err, "/dev/null:");
    /* missing files and directories */
    assert_int_equal(run2("sim --topo dgx-h100 --jobs /nonexistent.csv"), 1);
    assert_string_equal(err, "gpusched sim: /nonexistent.csv: No such file "
                             "or directory\n");
    assert_int_equal(run2("share --accounts /tmp"), 1);
    assert_contains(err, "/tmp: Is a directory");
}

/* Outputs are opened before the work and checked after it. */
static void outputs(void **state)
{
    (void)state;
    char args[1024];
    const char *jobs = test_data("sim/issue-easy.csv");
    /* a write error at the end fails the command (sim exited 0) */
    static const char *const cmds[] = {
        "sim --topo dgx-h100 --jobs JOBS --out /dev/full",
        "sim --topo dgx-h100 --jobs JOBS > /dev/full",
        "sim --topo dgx-h100 --jobs JOBS --json > /dev/full",
        "topo show dgx2 --out /dev/full",
        "topo show dgx2 > /dev/full",
        "topo convert dgx2 /dev/full",
        "topo templates > /dev/full",
        "place --topo dgx2 --gpus 2 --out /dev/full",
        "--help > /dev/full",
        "place --help > /dev/full",
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        const char *at = strstr(cmds[i], "JOBS");
        if (at)
            fmt(args, sizeof args, "%.*s'%s'%s", (int)(at - cmds[i]), cmds[i],
                jobs, at + 4);
        else
            fmt(args, sizeof args, "%s", cmds[i]);
        int rc = run2(args);
        if (rc != 1 || !strstr(err, "write error: No space left on device"))
            fail_msg("gpusched %s: rc %d, stderr '%s'", args, rc, err);
    }
    /* an output that cannot be opened fails before the work: no summary */
    fmt(args, sizeof args,
             "sim --topo dgx-h100 --jobs '%s' --out /nonexistent-dir/x.csv",
             jobs);
    assert_int_equal(run2(args), 1);
    assert_string_equal(err, "gpusched sim: --out /nonexistent-dir/x.csv: "
                             "cannot write there: No such file or "
                             "directory\n");
    assert_int_equal(run2("topo show dgx2 --out /tmp"), 1);
    assert_contains(err, "--out /tmp: cannot write there: Is a directory");
    /* converting a file in place works: it is read whole first */
    char path[64];
    temp_file(path, "", 0);
    fmt(args, sizeof args, "topo convert dgx1-v100 %s", path);
    assert_int_equal(run2(args), 0);
    char *first = test_read_file(path, NULL);
    fmt(args, sizeof args, "topo convert %s %s", path, path);
    assert_int_equal(run2(args), 0);
    char *second = test_read_file(path, NULL);
    assert_string_equal(first, second);
    free(second);
    /* a shorter result replaces a longer file whole */
    fmt(args, sizeof args, "topo templates --out %s", path);
    assert_int_equal(run2(args), 0);
    second = test_read_file(path, NULL);
    assert_int_equal(run2("topo templates"), 0);
    assert_string_equal(second, out);
    free(second);
    /* a command that fails leaves an existing file alone... */
    FILE *f = fopen(path, "w");
    fputs("keep", f);
    fclose(f);
    fmt(args, sizeof args, "topo convert nosuch-template %s", path);
    assert_int_equal(run2(args), 1);
    second = test_read_file(path, NULL);
    assert_string_equal(second, "keep");
    free(second);
    free(first);
    unlink(path);
    /* ...and creates none */
    assert_int_equal(run2("topo convert nosuch-template "
                          "/tmp/gs_cli_never_made.json"),
                     1);
    struct stat st;
    assert_int_not_equal(stat("/tmp/gs_cli_never_made.json", &st), 0);
}

/* ---- input limits (issue 10) ---------------------------------------------- */

static void input_limits(void **state)
{
    (void)state;
    /* endless inputs stop at the limit with a message */
    static const struct {
        const char *args, *want;
    } cases[] = {
        {"sim --topo dgx-h100 --jobs /dev/zero --max-input 64K",
         "gpusched sim: /dev/zero: more than 65536 bytes, the input limit "
         "(raise it with --max-input)\n"},
        {"sim --topo dgx-h100 --jobs - --max-input 1K < /dev/zero",
         "gpusched sim: <stdin>: more than 1024 bytes, the input limit "
         "(raise it with --max-input)\n"},
        {"topo show /dev/zero --max-input 64K",
         "gpusched topo show: /dev/zero: larger than the input limit of "
         "65536 bytes (raise it with --max-input)\n"},
        {"topo show - --max-input 64K < /dev/zero",
         "gpusched topo show: <stdin>: more than 65536 bytes, the input "
         "limit (raise it with --max-input)\n"},
        {"share --accounts /dev/zero --max-input 1M",
         "gpusched share: /dev/zero: more than 1048576 bytes, the input "
         "limit (raise it with --max-input)\n"},
        {"sim --topo dgx-h100 --jobs /dev/null --accounts /dev/zero "
         "--max-input 2KiB",
         "gpusched sim: /dev/zero: more than 2048 bytes, the input limit "
         "(raise it with --max-input)\n"},
        /* the default: 256 MiB */
        {"sim --topo dgx-h100 --jobs /dev/zero",
         "gpusched sim: /dev/zero: more than 268435456 bytes, the input "
         "limit (raise it with --max-input)\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = run2(cases[i].args);
        if (rc != 1 || strcmp(err, cases[i].want) != 0)
            fail_msg("gpusched %s: rc %d, stderr '%s'", cases[i].args, rc,
                     err);
    }
    /* a FIFO that never ends */
    char fifo[] = "/tmp/gs_cli_fifo_XXXXXX";
    int fd = mkstemp(fifo);
    assert_true(fd >= 0);
    close(fd);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char args[512];
    fmt(args, sizeof args,
             "--version >/dev/null; (yes 'a,0,1,,1' > %s &); '%s' sim --topo "
             "dgx-h100 --jobs %s --max-input 1M",
             fifo, GS_TOOL_PATH, fifo);
    assert_int_equal(run2(args), 1);
    assert_contains(err, "more than 1048576 bytes, the input limit");
    unlink(fifo);
    /* the option itself */
    static const char *const bad[] = {"0", "-1", "1X", "1.5M",
                                      "99999999999999999999", "8T8",
                                      "4294967296T", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fmt(args, sizeof args,
                 "sim --topo dgx-h100 --jobs /dev/null --max-input '%s'",
                 bad[i]);
        int rc = run2(args);
        if (rc != 2 || !strstr(err, "--max-input"))
            fail_msg("--max-input '%s': rc %d, stderr '%s'", bad[i], rc,
                     err);
    }
    /* a file exactly at the limit is read */
    char path[64];
    static const char trace[] = "a,0,1,,1\n"; /* 9 bytes */
    temp_file(path, trace, sizeof trace - 1);
    fmt(args, sizeof args, "sim --topo dgx-h100 --jobs %s --max-input 9",
             path);
    assert_int_equal(run2(args), 0);
    fmt(args, sizeof args, "sim --topo dgx-h100 --jobs %s --max-input 8",
             path);
    assert_int_equal(run2(args), 1);
    unlink(path);
}

/* ---- numbers and names from the job trace (issue 10) --------------------- */

static void sim_numbers(void **state)
{
    (void)state;
    static const struct {
        const char *row, *want; /* want: in the CSV, or in the error */
        int rc;
    } cases[] = {
        /* 2^32 + 1 GPUs ran as 1 */
        {"A,0,10,,4294967297", ":2:9: bad gpus \"4294967297\" (a whole "
                               "number from 0 (a CPU-only job) to "
                               "4294967295)", 1},
        /* gpus 0 is a CPU-only job: it needs CPUs or memory */
        {"A,0,10,,0", ":2:9: gpus 0 is a CPU-only job: it needs "
                      "cpus_per_gpu or mem_per_gpu", 1},
        {"A,0,10,,2,4294967296", ":2:11: bad gpus_per_node", 1},
        {"A,0,nan,,1", ":2:5: bad duration \"nan\" (seconds, from 0 to "
                       "2^60)", 1},
        /* 2.9 GPUs ran as 2: counts are whole (2.0 is) */
        {"A,0,10,,2.9", ":2:9: bad gpus \"2.9\" (a whole number from 0 "
                        "(a CPU-only job) to 4294967295)", 1},
        {"A,0,10,,2,1.5", ":2:11: bad gpus_per_node \"1.5\"", 1},
        {"A,0,1,,1,,,,1.5", ":2:13: bad priority \"1.5\"", 1},
        {"A,0,10,,3,2", ":2:11: gpus (3) is not a multiple of gpus_per_node "
                        "(2)", 1},
        /* a name the scheduler refuses is an error at its column (it was
         * a warning, and the trace ran without the job) */
        {"A,0,1,,1,,a\x01" "b", ":2:11: job A: job spec: user name "
                             "\"a\\x01b\" has a character", 1},
        {"A,0,1,,1,,u,x y", ":2:13: job A: job spec: account name \"x y\"",
         1},
        {"A,inf,1,,1", ":2:3: bad submit \"inf\"", 1},
        {"A,0,1,-inf,1", ":2:7: bad time_limit \"-inf\"", 1},
        {"A,1e30,1,,1", ":2:3: bad submit \"1e30\"", 1},
        {"A,-5,1,,1", ":2:3: bad submit \"-5\"", 1},
        {"A,0,1,,1,0x10", ":2:10: bad gpus_per_node \"0x10\"", 1},
        {"A,0,1,, 1 2", ":2:9: bad gpus \"1 2\"", 1},
        {"A,1152921504606846977,1,,1", ":2:3: bad submit", 1}, /* 2^60+1 */
        {"A,0,1,,1,,,,9223372036854775808", ":2:13: bad priority", 1},
        {"A,0,1,,1,,,,-1", ":2:13: bad priority \"-1\"", 1},
        {"A,0,1,,1,,,,,maybe", ":2:14: bad preemptible \"maybe\"", 1},
        {"A,0,1,,1,,,,,,,,,,,,,,,,extra", ":2:25: 21 fields, at most 20", 1},
        /* what is fine: decimals (truncated), exponents, the limits */
        {"A,1e3,12.7,,1", "A,1000,1000,1012,dgx-h100,1,\n", 0},
        {"A,0,10,,4.0,4e0", "A,0,0,10,dgx-h100,4,\n", 0},
        {"A,0,1,,1,,,,9223372036854775807,TRUE", "A,0,0,1,dgx-h100,1,\n", 0},
        {"A,1152921504606846976,0,,1",
         "A,1152921504606846976,1152921504606846976,1152921504606846976,"
         "dgx-h100,1,\n",
         0},
        /* in range for the file, more than the cluster has: the job is
         * refused, and says why */
        {"A,0,1,,4294967295", "A,0,,,,4294967295,\"", 0},
    };
    char path[64];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char text[512];
        fmt(text, sizeof text, "# a trace\n%s\n", cases[k].row);
        temp_file(path, text, strlen(text));
        char args[512];
        fmt(args, sizeof args, "sim --topo dgx-h100 --jobs %s", path);
        int rc = run2(args);
        const char *hay = rc == 0 ? out : err;
        if (rc != cases[k].rc || !strstr(hay, cases[k].want))
            fail_msg("%s: rc %d, got '%s', want '%s'", cases[k].row, rc, hay,
                     cases[k].want);
        unlink(path);
    }
    /* a job that would end after 2^60 s */
    static const char late[] = "A,1152921504606846976,1,,1\n";
    temp_file(path, late, sizeof late - 1);
    char args[512];
    fmt(args, sizeof args, "sim --topo dgx-h100 --jobs %s", path);
    assert_int_equal(run2(args), 1);
    assert_contains(err, "job A would end at 1152921504606846976 + 1 s");
    unlink(path);
    /* nothing is written when the trace is refused mid-way */
    static const char bad_name[] = "A,0,1,,1\nB,5,1,,1,,\"a b\"\n";
    temp_file(path, bad_name, sizeof bad_name - 1);
    char outpath[] = "/tmp/gs_cli_simout_XXXXXX";
    int ofd = mkstemp(outpath);
    assert_true(ofd >= 0);
    assert_int_equal(write(ofd, "old\n", 4), 4);
    close(ofd);
    fmt(args, sizeof args, "sim --topo dgx-h100 --jobs %s --out %s", path,
        outpath);
    assert_int_equal(run2(args), 1);
    assert_contains(err, ":2:11: job B: job spec: user name \"a b\"");
    size_t olen = 0;
    char *otext = test_read_file(outpath, &olen);
    assert_non_null(otext);
    assert_string_equal(otext, "old\n");
    free(otext);
    unlink(outpath);
    unlink(path);
    /* messages show control bytes of the trace escaped */
    static const char ctl[] = "\x1b[31m,0,1,,100\n";
    temp_file(path, ctl, sizeof ctl - 1);
    fmt(args, sizeof args, "sim --topo dgx-h100 --jobs %s", path);
    assert_int_equal(run2(args), 0);
    assert_contains(err, "warning: ");
    assert_contains(err, ":1: job \\x1b[31m refused: job spec: gpus: 100 "
                         "asked, the cluster has 8");
    assert_null(strchr(err, '\x1b'));
    unlink(path);
    static const char ctl2[] = "A,0,1,,\x07\n";
    temp_file(path, ctl2, sizeof ctl2 - 1);
    fmt(args, sizeof args, "sim --topo dgx-h100 --jobs %s", path);
    assert_int_equal(run2(args), 1);
    assert_contains(err, ":1:8: bad gpus \"\\x07\"");
    unlink(path);
    /* a spreadsheet's byte order mark before the header */
    static const char bom[] = "\xef\xbb\xbfid,submit,duration,gpus\nA,0,5,2\n";
    temp_file(path, bom, sizeof bom - 1);
    fmt(args, sizeof args, "sim --topo dgx-h100 --jobs %s", path);
    assert_int_equal(run2(args), 0);
    assert_contains(out, "A,0,0,5,dgx-h100,2,\n");
    /* the summary not written (stderr full) is a failure */
    fmt(args, sizeof args,
        "sim --topo dgx-h100 --jobs %s >/dev/null 2>/dev/full", path);
    assert_int_equal(run(args, out, sizeof out), 1);
    unlink(path);
    /* a NUL byte would have cut a name short */
    static const char nul[] = "A,0,1\0x,,1\n";
    temp_file(path, nul, sizeof nul - 1);
    fmt(args, sizeof args, "sim --topo dgx-h100 --jobs %s", path);
    assert_int_equal(run2(args), 1);
    assert_contains(err, ":1:6: a NUL byte");
    unlink(path);
    /* --backfill-interval */
    assert_int_equal(run2("sim --topo dgx-h100 --jobs /dev/null "
                          "--backfill-interval 1152921504606846977"),
                     2);
    assert_contains(err, "--backfill-interval '1152921504606846977': want "
                         "seconds");
    assert_int_equal(run2("sim --topo dgx-h100 --jobs /dev/null "
                          "--backfill-interval -1"),
                     2);
    assert_int_equal(run2("sim --topo dgx-h100 --jobs /dev/null "
                          "--backfill-interval 1e3"),
                     2);
    assert_int_equal(run2("sim --topo dgx-h100 --jobs /dev/null "
                          "--backfill-interval 1152921504606846976"),
                     0);
}

/* Names are kept whole: ids in the output, users in limits (they were cut
 * to 63 characters). */
static void sim_long_names(void **state)
{
    (void)state;
    char user[101], id[201];
    memset(user, 'u', 100);
    user[100] = '\0';
    memset(id, 'i', 200);
    id[200] = '\0';
    /* the user may hold 2 GPUs; its job asks for 4: it waits for good. A
     * name cut short would be another user, without a limit. */
    char conf[1024], trace[1024], cpath[64], jpath[64], args[512];
    fmt(conf, sizeof conf,
             "{\"accounts\": [{\"name\": \"lab\"}], \"users\": [{\"name\": "
             "\"%s\", \"account\": \"lab\"}], \"limits\": {\"users\": "
             "{\"%s\": 2}}}",
             user, user);
    fmt(trace, sizeof trace,
             "id,submit,duration,gpus,user,account\n%s,0,10,4,%s,lab\n"
             "short,0,10,2,%s,lab\n",
             id, user, user);
    temp_file(cpath, conf, strlen(conf));
    temp_file(jpath, trace, strlen(trace));
    fmt(args, sizeof args, "sim --topo dgx-h100 --jobs %s --accounts %s",
             jpath, cpath);
    assert_int_equal(run2(args), 0);
    char want[512];
    fmt(want, sizeof want, "\n%s,0,,,,4,\"", id);
    assert_contains(out, want);
    assert_contains(out, "\nshort,0,0,10,dgx-h100,2,\n");
    /* a name the scheduler refuses (over 256 characters) is an error at
     * its column, and nothing is simulated */
    char huge[301];
    memset(huge, 'h', 300);
    huge[300] = '\0';
    fmt(trace, sizeof trace, "id,submit,duration,gpus,user\nA,0,1,1,%s\n",
             huge);
    unlink(jpath);
    temp_file(jpath, trace, strlen(trace));
    fmt(args, sizeof args, "sim --topo dgx-h100 --jobs %s", jpath);
    assert_int_equal(run2(args), 1);
    fmt(want, sizeof want, "%s:2:9: job A: job spec: user name is longer "
                           "than 256 characters\n", jpath);
    assert_contains(err, want);
    assert_string_equal(out, "");
    unlink(jpath);
    unlink(cpath);
}

/* Partitions, constraints, the defaults of issue 15 and expected starts
 * (tests/data/sim/partitions.*: a 4-node cluster from templates, two
 * partitions). */
static void sim_partitions(void **state)
{
    (void)state;
    char args[2048], base[1024], want[1024];
    /* (test_data's buffer is overwritten by the next call) */
    char topo[512], conf[512], jobs[512];
    fmt(topo, sizeof topo, "%s", test_data("sim/partitions-cluster.json"));
    fmt(conf, sizeof conf, "%s", test_data("sim/partitions.json"));
    fmt(jobs, sizeof jobs, "%s", test_data("sim/partitions.csv"));
    fmt(base, sizeof base,
        "sim --topo '%s' --jobs '%s' --accounts '%s' --ordering fifo "
        "--backfill easy",
        topo, jobs, conf);
    /* Worked by hand. Tier 1 (debug, and P4 which may use it) goes first:
     * P1 on a1 (equal nodes: the lowest index); P4 needs ib, which debug's
     * A100 nodes lack, so h1; P6 and P8 pack onto a1. Then P2 (no
     * partition: gpu, the default) on h2; P7 needs h1 and h2: reserved at
     * 100, when P2 ends (P4 at 50); P9 (2 GPUs, 30 s) backfills on h1.
     * P6 has no time limit: debug's max_time, 600 s, ends it. P3 is over
     * debug's 4 GPUs per job, P5 names no partition there is. */
    fmt(args, sizeof args, "%s --expected-start", base);
    assert_int_equal(run2(args), 3);
    assert_string_equal(
        out,
        "id,submit,start,end,nodes,gpus,reason_if_never_started,"
        "expected_start\n"
        "P1,0,0,100,a1,4,,0\n"
        "P2,0,0,100,h2,8,,0\n"
        "P3,0,,,,8,\"job spec: partition \"\"debug\"\" allows at most 4 GPUs "
        "per job (max_gpus_per_job); the job asks for 8\",\n"
        "P4,0,0,50,h1,2,,0\n"
        "P5,0,,,,2,\"partition: no partition \"\"nope\"\" (partitions: gpu, "
        "debug)\",\n"
        "P6,0,0,600,a1,1,\"timeout\",0\n"
        "P7,0,100,110,h1;h2,16,,100\n"
        "P8,0,0,5,a1,1,,0\n"
        "P9,0,0,30,h1,2,,0\n");
    /* each refusal names the job, its line and the field's column; the
     * last line counts them */
    fmt(want, sizeof want,
        "%s:7:13: job P3 refused: job spec: partition \"debug\" allows at "
        "most 4 GPUs per job (max_gpus_per_job); the job asks for 8\n",
        jobs);
    assert_contains(err, want);
    fmt(want, sizeof want,
        "%s:9:12: job P5 refused: partition: no partition \"nope\" "
        "(partitions: gpu, debug)\n",
        jobs);
    assert_contains(err, want);
    fmt(want, sizeof want,
        "2 jobs were refused at submission (the first: job P3, %s:7)", jobs);
    assert_contains(err, want);
    /* without --expected-start the columns are those of before; the
     * summary follows on stderr */
    assert_int_equal(run2(base), 3);
    assert_contains(out, "id,submit,start,end,nodes,gpus,"
                         "reason_if_never_started\nP1,0,0,100,a1,4,\n");
    assert_null(strstr(out, "expected_start"));
    assert_contains(err, "jobs 9, started 7, never started 2\n");
    /* --quiet silences warnings, not refusals */
    fmt(args, sizeof args, "%s --quiet", base);
    assert_int_equal(run2(args), 3);
    assert_contains(err, "job P3 refused");
    /* JSON: "expected_start" with the option only, null when unknown */
    fmt(args, sizeof args, "%s --json --expected-start", base);
    assert_int_equal(run2(args), 3);
    json_doc doc;
    parse_json(&doc, out);
    json_doc_free(&doc);
    assert_contains(out, "\"id\": \"P7\", \"submit\": 0, \"start\": 100, "
                         "\"end\": 110, \"nodes\": [\"h1\", \"h2\"], "
                         "\"gpus\": 16, \"reason\": null, "
                         "\"expected_start\": 100}");
    assert_contains(out, "\"id\": \"P5\"");
    assert_contains(out, "(partitions: gpu, debug)\", \"expected_start\": "
                         "null}");
    fmt(args, sizeof args, "%s --json", base);
    assert_int_equal(run2(args), 3);
    assert_null(strstr(out, "expected_start"));

    /* constraints: a feature no node has, a constraint that does not
     * parse; a job in a partition where no node has the feature */
    char path[64], cpath[64];
    static const char cons[] =
        "id,submit,duration,gpus,constraint,partition\n"
        "C1,0,10,2,v100,\n"
        "C2,0,10,2,h100&,\n"
        "C3,0,10,2,h100,debug\n"
        "C4,0,10,2,a100,debug\n";
    temp_file(path, cons, sizeof cons - 1);
    fmt(args, sizeof args,
        "sim --topo '%s' --jobs %s --accounts '%s' --expected-start",
        topo, path,
        conf);
    assert_int_equal(run2(args), 3);
    fmt(want, sizeof want,
        "%s:2:11: job C1 refused: job spec: constraint: constraint \"v100\": "
        "no node has feature \"v100\"",
        path);
    assert_contains(err, want);
    fmt(want, sizeof want, "%s:3:11: job C2 refused: job spec: constraint: ",
        path);
    assert_contains(err, want);
    /* C3: the cluster could never run it (a warning, as for a job larger
     * than the cluster); C4 runs */
    fmt(want, sizeof want, "warning: %s:4: job C3 refused: job spec: the "
                           "cluster could never run it",
        path);
    assert_contains(err, want);
    assert_contains(out, "\nC4,0,0,10,a1,2,,0\n");
    assert_contains(err, "2 jobs were refused at submission (the first: job "
                         "C1, ");
    unlink(path);

    /* the defaults of issue 15 and the options that give the old ones */
    static const char split[] =
        "id,submit,duration,time_limit,gpus,gpus_per_node,constraint\n"
        "F0,0,100,100,16,8,a100\n"
        "F1,0,100,100,12,6,h100\n"
        "F2,0,10,10,4,,\n";
    temp_file(path, split, sizeof split - 1);
    /* F2's 4 GPUs fit no node (2 free on each H100 node, none on the
     * A100 nodes) until F0 and F1 end */
    fmt(args, sizeof args, "sim --topo '%s' --jobs %s --backfill easy",
        topo, path);
    assert_int_equal(run2(args), 0);
    assert_contains(out, "\nF2,0,100,110,");
    fmt(args, sizeof args, "sim --topo '%s' --jobs %s --backfill easy --split",
        topo, path);
    assert_int_equal(run2(args), 0);
    assert_contains(out, "\nF2,0,0,10,");
    unlink(path);
    /* 16 GPUs of one model: two H100 or two A100 nodes; 24 only mixed */
    static const char model[] = "id,submit,duration,gpus\nM1,0,10,24\n";
    temp_file(path, model, sizeof model - 1);
    fmt(args, sizeof args, "sim --topo '%s' --jobs %s",
        topo, path);
    assert_int_equal(run2(args), 0);
    assert_contains(err, "warning: ");
    assert_contains(err, ":2: job M1 refused: job spec: the cluster could "
                         "never run it");
    fmt(args, sizeof args, "sim --topo '%s' --jobs %s --any-model",
        topo, path);
    assert_int_equal(run2(args), 0);
    assert_contains(out, "\nM1,0,0,10,");
    unlink(path);
    /* accounts the configuration does not list: refused, or created */
    static const char acc[] =
        "{\"accounts\": [{\"name\": \"lab\"}],\n"
        " \"users\": [{\"name\": \"u1\", \"account\": \"lab\"}]}\n";
    static const char accjobs[] = "id,submit,duration,gpus,user,account\n"
                                  "U1,0,10,1,u1,lab\n"
                                  "U2,0,10,1,u2,other\n";
    temp_file(cpath, acc, sizeof acc - 1);
    temp_file(path, accjobs, sizeof accjobs - 1);
    fmt(args, sizeof args, "sim --topo '%s' --jobs %s --accounts %s",
        topo, path, cpath);
    assert_int_equal(run2(args), 3);
    fmt(want, sizeof want,
        "%s:3:14: job U2 refused: job spec: account \"other\" is not in the "
        "account tree",
        path);
    assert_contains(err, want);
    assert_contains(out, "\nU1,0,0,10,");
    fmt(args, sizeof args,
        "sim --topo '%s' --jobs %s --accounts %s --auto-accounts",
        topo, path, cpath);
    assert_int_equal(run2(args), 0);
    assert_contains(out, "\nU2,0,0,10,");
    unlink(path);
    unlink(cpath);

    /* the configuration's partitions: errors at file:line:column, and
     * nothing replayed */
    static const struct {
        const char *doc, *want;
    } bad[] = {
        {"{\"partitions\": [{\"name\": \"x\", \"nodes\": \"q[1-2]\"}]}",
         ":1:40: \"nodes\": no node \"q1\""},
        {"{\"partitions\": [{\"name\": \"x\"},\n {\"name\": \"x\"}]}",
         ":2:11: partition \"x\" exists already (listed twice)"},
        {"{\"partitions\": [{\"name\": \"x\", \"preempts\": \"y\"},\n"
         " {\"name\": \"y\"}]}",
         ":1:43: \"preempts\": no partition \"y\" before this one"},
        {"{\"partitions\": [{\"name\": \"x\", \"max_time\": 10,\n"
         " \"default_time\": 20}]}",
         ":2:18: \"default_time\" 20 is above \"max_time\" 10"},
        {"{\"partitions\": [{\"name\": \"x\", \"def_mem_per_gpu\": "
         "1152921504606846977}]}",
         ":1:50: \"def_mem_per_gpu\" must be a whole number from 0 to "
         "1152921504606846976"},
        {"{\"partitions\": [{\"name\": \"x\", \"max_gpu\": 1}]}",
         ":1:31: unknown key \"max_gpu\" in a partition"},
        {"{\"job_defaults\": {\"cpus_per_gpu\": 1.5}}",
         ":1:35: \"cpus_per_gpu\" must be a whole number"},
        {"{\"auto_accounts\": \"yes\"}",
         ":1:19: \"auto_accounts\" must be true or false"},
        {"{\"timeout_grace\": -1}", ":1:19: \"timeout_grace\" must be"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        temp_file(cpath, bad[k].doc, strlen(bad[k].doc));
        fmt(args, sizeof args, "sim --topo '%s' --jobs '%s' --accounts %s",
            topo, jobs, cpath);
        int rc = run2(args);
        fmt(want, sizeof want, "%s%s", cpath, bad[k].want);
        if (rc != 1 || !strstr(err, want) || *out)
            fail_msg("%s: rc %d, got '%s', want '%s'", bad[k].doc, rc, err,
                     want);
        unlink(cpath);
    }
}

/* ---- communication patterns (issue 16) ------------------------------------- */

/* A number member of a JSON object. */
static double json_num(const json_value *obj, const char *key)
{
    const json_member *m = json_member_get(obj, key);
    if (!m || m->value->type != JSON_NUMBER)
        fail_msg("no number \"%s\"", key);
    return json_number_double(m->value);
}

/* Each of bad (arguments after "gpusched PATH FIXED") is a usage error:
 * exit 2, nothing on standard output, why[i] and the line saying what to
 * try on standard error. */
static void expect_usage_errors(const char *path, const char *fixed,
                                const char *const *bad,
                                const char *const *why, size_t n)
{
    char try_line[128];
    fmt(try_line, sizeof try_line, "try 'gpusched %s --help'\n", path);
    for (size_t i = 0; i < n; i++) {
        char args[512];
        fmt(args, sizeof args, "%s %s %s", path, fixed, bad[i]);
        int rc = run2(args);
        if (rc != 2 || *out || !strstr(err, why[i]) ||
            !strstr(err, try_line))
            fail_msg("%s: rc %d, stdout '%s', stderr '%s'", bad[i], rc, out,
                     err);
    }
}

/* topo show --quality and --pattern, worked by hand on a DGX-1 V100 (the
 * matrix in lib/topo/templates.c; NV1 25 GB/s, NV2 50, SYS 6 per
 * direction; a GPU's PCIe port carries 6 GB/s each way, its best PCIe
 * pair). */
static void topo_quality(void **state)
{
    (void)state;
    json_doc doc;
    /* GPUs 0,1,2,4,5: NVLinks 0-1 25, 0-2 25, 0-4 50, 1-2 50, 1-5 50, 4-5
     * 25, and 4 SYS pairs (0-5, 1-4, 2-4, 2-5): Q = 225 + 24 = 249. GPU
     * 2's only NVLinks in the set go to 0 and 1, so the one all-NVLink
     * ring is 0-2-1-5-4-0, bottleneck 25 (0-2, 5-4 are NV1): one ring
     * each way, 50. Then 0-2 and 4-5 are used up both ways, and every
     * further ring enters or leaves GPUs 2, 4 and 5 over PCIe: 6 GB/s a
     * ring, one or two of them (the greedy packing decides). */
    assert_int_equal(run2("topo show dgx1-v100 --quality 0,1,2,4,5 "
                          "--pattern ring"),
                     0);
    assert_contains(out, "GPUs 0-2,4,5 on dgx1-v100\nQ(S) 249 GB/s\nring: ");
    assert_contains(out, "the best single ring 25 GB/s\n");
    assert_string_equal(err, "");
    assert_int_equal(run2("topo show dgx1-v100 --quality 0-2,4,5 --json"), 0);
    parse_json(&doc, out);
    assert_string_equal(json_member_get(doc.root, "pattern")->value->u.str.s,
                        "any");
    assert_true(json_num(doc.root, "bandwidth") == 249);
    assert_true(json_num(doc.root, "quality") == 249);
    const json_value *ring = json_member_get(doc.root, "ring")->value;
    double rate = json_num(ring, "bandwidth");
    assert_true(json_num(ring, "best_single") == 25);
    assert_true(rate == 56 || rate == 62);
    assert_true(json_num(ring, "rings") == (rate == 56 ? 3 : 4));
    /* all-to-all: GPU 2's PCIe port carries its two SYS pairs (to 4 and
     * 5), 6/2 = 3 GB/s each: the weakest pair, x 4. The bisection (the
     * least bandwidth out of two GPUs into the other three): {0,4} sends
     * 0-1 25 + 0-2 25 + 0-5 3 + 4-5 25 + 4-1 3 + 4-2 3 = 84. Chain: the
     * NV2 links 0-4, 1-2, 1-5 need an NV1 link to join them, 25. */
    const json_value *a2a = json_member_get(doc.root, "all_to_all")->value;
    assert_true(json_num(a2a, "weakest_pair") == 3);
    assert_true(json_num(a2a, "bandwidth") == 12);
    assert_true(json_num(a2a, "bisection") == 84);
    assert_true(json_num(json_member_get(doc.root, "chain")->value,
                         "bandwidth") == 25);
    assert_int_equal(json_member_get(doc.root, "exact")->value->type,
                     JSON_TRUE);
    json_doc_free(&doc);
    /* GPUs 0-3, all NVLink (0-1 25, 0-2 25, 0-3 50, 1-2 50, 1-3 25, 2-3
     * 50): GPU 0 sends at most 25 + 25 + 50 = 100 into rings, and the
     * packing reaches it; a single ring cannot use both 0-3 directions,
     * so it has an NV1 link: 25. All-to-all: 3 x 25; bisection {0,3} |
     * {1,2}: 25 + 25 + 25 + 50 = 125. Chain 0-3-2-1, all NV2: 50. */
    assert_int_equal(run2("topo show dgx1-v100 --quality 0-3 --pattern ring"),
                     0);
    assert_contains(out, "ring: 100 GB/s, the summed rate of ");
    assert_contains(out, "the best single ring 25 GB/s\n");
    assert_int_equal(run2("topo show dgx1-v100 --quality 0-3 --pattern a2a"),
                     0);
    assert_contains(out, "all-to-all: 75 GB/s, 3 x the weakest effective "
                         "pair, 25 GB/s; bisection 125 GB/s\n");
    assert_int_equal(run2("topo show dgx1-v100 --quality 3,2,1,0 --pattern "
                          "pipeline"),
                     0);
    assert_string_equal(out, "GPUs 0-3 on dgx1-v100\nQ(S) 225 GB/s\n"
                             "chain: 50 GB/s, the bottleneck of the best "
                             "path through the GPUs\n");
    assert_int_equal(run2("topo show dgx1-v100 --quality 0-3"), 0);
    assert_contains(out, "\nmodels: any 225, ring 100, all-to-all 75, chain "
                         "50 GB/s\n");
    assert_int_equal(run2("topo show dgx1-v100 --quality 0-3 --pattern any"),
                     0);
    assert_contains(out, "\nany: 225 GB/s, Q(S), the sum of the 6 pair "
                         "bandwidths\n");
    assert_int_equal(run2("topo show dgx1-v100 --quality 5 --pattern none"),
                     0);
    assert_contains(out, "\nnone: 0 GB/s");
    /* a whole NVL72 domain: ranges, the first nodes, whole numbers in
     * full; rings and paths in id order (lower bounds), no bisection */
    assert_int_equal(run2("topo show gb200-nvl72 --quality 0-71 --pattern "
                          "ring"),
                     0);
    assert_contains(out, "GPUs 0-71 on nvl72-tray01, nvl72-tray02, "
                         "nvl72-tray03, nvl72-tray04 and 14 more nodes\n");
    assert_null(strstr(out, "e+"));
    assert_contains(out, "\n(ring and chain are lower bounds: ");
    assert_int_equal(run2("topo show gb200-nvl72 --quality 0-71 --pattern "
                          "all-to-all"),
                     0);
    assert_contains(out, "; bisection not computed");
    assert_null(strstr(out, "lower bounds"));
    assert_int_equal(run2("topo show gb200-nvl72 --quality 0-71 --json"), 0);
    parse_json(&doc, out);
    assert_int_equal(json_member_get(doc.root, "nodes")->value->u.arr.n, 18);
    assert_int_equal(json_member_get(doc.root, "exact")->value->type,
                     JSON_FALSE);
    assert_int_equal(
        json_member_get(json_member_get(doc.root, "all_to_all")->value,
                        "bisection")
            ->value->type,
        JSON_NULL);
    json_doc_free(&doc);
    /* without --quality the output is as it was */
    assert_int_equal(run2("topo show dgx1-v100"), 0);
    assert_null(strstr(out, "Q(S)"));
    /* bad arguments: exit 2, nothing on standard output */
    static const char *const bad[] = {
        "--quality 0,1 --pattern rng", "--pattern ring",
        "--quality 0,8", "--quality ''", "--quality 0,1 --node dgx1-v100",
        "--quality 0,1 --legend", "--quality 0,1 --pattern ''",
        "--quality -1"};
    static const char *const why[] = {
        "--pattern 'rng': want any, ring, all-to-all, chain or none",
        "give the set with --quality", "bad GPU index", "is empty",
        "--quality shows a GPU set instead",
        "--quality shows a GPU set instead", "--pattern '': want",
        "--quality '-1'"};
    expect_usage_errors("topo show", "dgx1-v100", bad, why,
                        sizeof bad / sizeof bad[0]);
}

/* place --pattern, --numa, --demand, --no-lookahead */
static void place_patterns(void **state)
{
    (void)state;
    json_doc doc;
    /* 5 GPUs of an empty DGX-1V: the most Q(S) is 0,1,2,3,4 (293 GB/s),
     * but GPU 4's only NVLink there goes to 0, so every ring enters or
     * leaves it over PCIe (6 GB/s each way, 12 at most). A ring job gets
     * a set with an all-NVLink ring: 0,2,3,4,7 (0-2-3-7-4-0: NV1 0-2 and
     * 3-7, 25 GB/s, once each way; then GPUs 2 and 7 need PCIe, 6 GB/s
     * in and 6 out each: 50 + 12 = 62, the most of any 5 GPUs; of the
     * sets with 62 it has the most Q(S), 274, and the lowest indices). */
    assert_int_equal(run2("place --topo dgx1-v100 --gpus 5"), 0);
    assert_string_equal(out, "0,1,2,3,4\n");
    assert_string_equal(err, ""); /* nothing new without --pattern */
    assert_int_equal(run2("place --topo dgx1-v100 --gpus 5 --pattern ring"),
                     0);
    assert_string_equal(out, "0,2,3,4,7\n");
    assert_string_equal(err, "gpusched place: job 1: ring 62 GB/s, Q(S) 274 "
                             "GB/s\n");
    assert_int_equal(run2("place --topo dgx1-v100 --gpus 5,3 --pattern "
                          "all-reduce --json"),
                     0);
    parse_json(&doc, out);
    const json_value *pl = json_member_get(doc.root, "placements")->value;
    const json_value *j1 = pl->u.arr.items[0];
    assert_string_equal(json_member_get(j1, "pattern")->value->u.str.s,
                        "ring");
    assert_true(json_num(j1, "bandwidth") == 62);
    assert_true(json_num(j1, "quality") == 274);
    json_doc_free(&doc);
    /* not placed: bandwidth null; without --pattern, "any" and Q(S) */
    assert_int_equal(run2("place --topo dgx1-v100 --free 0,1 --gpus 2,1 "
                          "--json"),
                     3);
    parse_json(&doc, out);
    pl = json_member_get(doc.root, "placements")->value;
    j1 = pl->u.arr.items[0];
    assert_string_equal(json_member_get(j1, "pattern")->value->u.str.s,
                        "any");
    assert_true(json_num(j1, "bandwidth") == 25); /* 0-1: NV1 */
    const json_value *j2 = pl->u.arr.items[1];
    assert_int_equal(json_member_get(j2, "bandwidth")->value->type,
                     JSON_NULL);
    json_doc_free(&doc);
    /* the tuning options are taken */
    assert_int_equal(run2("place --topo dgx1-v100 --gpus 2,2 --numa strict "
                          "--demand 4:ring,2:any:0.5 --no-lookahead"),
                     0);
    assert_int_equal(run2("place --topo dgx1-v100 --gpus 2 --numa ignore "
                          "--demand 1:none:1e-3"),
                     0);
    /* bad values: exit 2, one line naming the option, what to try */
    static const char *const bad[] = {
        "--pattern rng", "--pattern ''", "--numa sometimes", "--numa ''",
        "--demand ''", "--demand 2", "--demand 0:ring", "--demand 65:ring",
        "--demand 2:rng", "--demand 2:ring:0", "--demand 2:ring:nan",
        "--demand 2:ring:inf", "--demand 2:ring:1e7", "--demand 2:ring:-1",
        "--demand 2:ring:0x1", "--demand 2:ring:1e-400", "--demand 2:ring,",
        "--demand 2:ring,2:ring", "--demand 18446744073709551618:ring",
        "--demand 1:any,2:any,3:any,4:any,5:any,6:any,7:any,8:any,1:ring"};
    static const char *const why[] = {
        "--pattern 'rng': want any, ring, all-to-all, chain or none",
        "--pattern '': want",
        "--numa 'sometimes': want prefer, strict or ignore",
        "--numa '': want", "an empty entry", "want SIZE:PATTERN",
        "want GPUs from 1 to 64", "want GPUs from 1 to 64",
        "pattern 'rng' in '2:rng': want any, ring",
        "want a number above 0", "weight 'nan'", "weight 'inf'",
        "weight '1e7'", "weight '-1'", "weight '0x1'", "weight '1e-400'",
        "an empty entry", "2:ring is there twice",
        "want GPUs from 1 to 64", "at most 8 entries"};
    expect_usage_errors("place", "--topo dgx1-v100 --gpus 2", bad, why,
                        sizeof bad / sizeof bad[0]);
    /* the help has them */
    assert_int_equal(run2("place --help"), 0);
    assert_contains(out, "\n  --pattern P ");
    assert_contains(out, "\n  --numa MODE ");
    assert_contains(out, "\n  --demand LIST ");
    assert_contains(out, "\n  --no-lookahead ");
    assert_contains(out, "all-to-all");
    assert_int_equal(run2("topo show --help"), 0);
    assert_contains(out, "\n  --quality LIST ");
    assert_contains(out, "\n  --pattern P ");
    assert_int_equal(run2("sim --help"), 0);
    assert_contains(out, "\n  --comm-fraction F|LIST\n");
    assert_contains(out, "\n  --numa MODE ");
    assert_contains(out, "\n  --demand LIST ");
    assert_contains(out, "\n  --no-lookahead ");
}

/* A cluster of n nodes of g T4s (16 GiB, PCIe) with c CPUs each, as
 * tests/test_sharing.c's cluster(), in a temporary file (path: cap 64). */
static void share_cluster(char *path, unsigned n, unsigned g, unsigned c)
{
    char json[2048];
    int at = snprintf(json, sizeof json,
                      "{\"nodes\": [{\"name\": \"n[0-%u]\", \"numa\": "
                      "[{\"cpus\": \"0-%u\", \"memory\": \"64GiB\"}], "
                      "\"gpus\": {\"count\": %u, \"model\": \"T4\", "
                      "\"memory\": \"16GiB\", \"numa\": 0}, \"matrix\": [",
                      n - 1, c - 1, g);
    for (unsigned i = 0; i < g; i++) {
        at += snprintf(json + at, sizeof json - (size_t)at, "%s\"", i ? ", " : "");
        for (unsigned k = 0; k < g; k++)
            at += snprintf(json + at, sizeof json - (size_t)at, "%s%s",
                           k ? " " : "", i == k ? "X" : "PHB");
        at += snprintf(json + at, sizeof json - (size_t)at, "\"");
    }
    at += snprintf(json + at, sizeof json - (size_t)at, "]}]}");
    assert_true(at > 0 && (size_t)at < sizeof json);
    temp_file(path, json, (size_t)at);
}

/* place --mig: the cases of tests/test_mig_sched.c through the command
 * line. A DGX A100 whose GPU 0 holds the admin's 3g.40gb@0 and @4 (UUIDs
 * MIG-a0, MIG-a1), GPU 1 dynamic, the others not in MIG mode. best-fit:
 * the first two 3g.40gb take GPU 0's instances 0 and 1 (a fixed
 * instance costs less than one made on the empty GPU 1); the third is
 * made on GPU 1 at 4 (where a 4g.40gb still fits at 0); a whole 2-GPU job
 * gets GPUs 2 and 3 (0 and 1 are in MIG mode). */
static void place_mig(void **state)
{
    (void)state;
    char topo[64], args[512];
    static const char json[] =
        "{\"nodes\": [{\"name\": \"m0\", \"template\": \"dgx-a100\", \"mig\": "
        "[\"3g.40gb@0,3g.40gb@4\", \"dynamic\", null, null, null, null, "
        "null, null], \"mig_uuids\": [[\"MIG-a0\", \"MIG-a1\"], null, null, "
        "null, null, null, null, null]}]}";
    temp_file(topo, json, sizeof json - 1);
    fmt(args, sizeof args,
        "place --topo %s --gpus 1,1,1,2 --mig 3g.40gb,3g.40gb,3g.40gb,- "
        "--placement best-fit",
        topo);
    assert_int_equal(run2(args), 0);
    assert_string_equal(out, "0 mig=3g.40gb@0#0 CUDA_VISIBLE_DEVICES=MIG-a0\n"
                             "0 mig=3g.40gb@4#1 CUDA_VISIBLE_DEVICES=MIG-a1\n"
                             "1 mig=3g.40gb@4\n"
                             "2,3\n");
    /* a fourth 3g.40gb goes to GPU 1 at 0; a fifth has no room */
    fmt(args, sizeof args,
        "place --topo %s --gpus 1,1,1,1,1 --mig 3g.40gb --placement best-fit",
        topo);
    assert_int_equal(run2(args), 3);
    assert_contains(out, "1 mig=3g.40gb@0\n\n");
    assert_contains(err, "job 5 (1 GPUs) not placed: no node has 1 GPU in "
                         "MIG mode with room for a 3g.40gb instance");
    /* JSON */
    fmt(args, sizeof args, "place --topo %s --gpus 1 --mig 3g.40gb --json",
        topo);
    assert_int_equal(run2(args), 0);
    json_doc doc;
    parse_json(&doc, out);
    const json_value *j1 =
        json_member_get(doc.root, "placements")->value->u.arr.items[0];
    assert_string_equal(json_member_get(j1, "mig_profile")->value->u.str.s,
                        "3g.40gb");
    assert_string_equal(
        json_member_get(j1, "cuda_visible_devices")->value->u.str.s,
        "MIG-a0");
    const json_value *inst = json_member_get(j1, "mig")->value;
    assert_int_equal(inst->u.arr.n, 1);
    assert_true(json_num(inst->u.arr.items[0], "gpu") == 0);
    assert_true(json_num(inst->u.arr.items[0], "start") == 0);
    assert_true(json_num(inst->u.arr.items[0], "instance") == 0);
    json_doc_free(&doc);
    /* from standard input; errors */
    fmt(args, sizeof args,
        "place --topo - --gpus 1 --mig 1g.10gb < %s", topo);
    assert_int_equal(run2(args), 0);
    assert_string_equal(out, "1 mig=1g.10gb@6\n");
    fmt(args, sizeof args, "place --topo %s --gpus 1 --mig 5g.50gb", topo);
    assert_int_equal(run2(args), 2);
    assert_contains(err, "'5g.50gb' at column 1 is not a MIG profile");
    fmt(args, sizeof args, "place --topo %s --gpus 1,1 --mig a,b,c", topo);
    assert_int_equal(run2(args), 2);
    assert_contains(err, "more profiles than jobs");
    fmt(args, sizeof args,
        "place --topo %s --gpus 1 --mig 1g.10gb --gpu-milli 500", topo);
    assert_int_equal(run2(args), 2);
    assert_contains(err, "one or the other");
    /* no GPU in MIG mode: not placed, said why */
    assert_int_equal(run2("place --topo dgx-a100 --gpus 1 --mig 1g.10gb"), 3);
    assert_contains(err, "no GPU of the cluster in MIG mode");
    unlink(topo);
}

/* place --gpu-milli, --gpu-mem, --running, --frag-classes: shared GPUs,
 * the cases of tests/test_sharing.c through the command line */
static void place_shares(void **state)
{
    (void)state;
    char c22[64], c12[64], c124[64], args[512];
    share_cluster(c22, 2, 2, 16);
    share_cluster(c12, 1, 2, 8);
    share_cluster(c124, 1, 2, 4);
    /* Two nodes of two GPUs (n0: 0 1, n1: 2 3): A 0.5, B 0.3, C 0.6, a
     * whole D, a whole 2-GPU E. first-fit and best-fit put B beside A on
     * GPU 0, C on GPU 1 (GPU 0 has 0.2 left), D on n1 (n0's GPUs are
     * shared); spread puts B where most room is left on the node with
     * most free share (n1: 2.0 against 1.5) -> GPU 2, C on an idle GPU of
     * n1 (1.7 against 1.5) -> 3, D on the last idle GPU, 1. E needs two
     * whole GPUs of one node: none is left (exit 3, an empty line). */
    static const struct {
        const char *policy, *gpus;
    } want[] = {{"first-fit", "0 0 1 2"},
                {"best-fit", "0 0 1 2"},
                {"nvlink-pack", "0 0 1 2"},
                {"spread", "0 2 3 1"}};
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        fmt(args, sizeof args,
            "place --topo %s --gpus 1,1,1,1,2 --gpu-milli 500,300,600,1000,"
            "1000 --placement %s",
            c22, want[w].policy);
        assert_int_equal(run2(args), 3);
        char expect[256];
        const char *g = want[w].gpus;
        fmt(expect, sizeof expect,
            "%c CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=50\n"
            "%c CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=30\n"
            "%c CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=60\n%c\n\n",
            g[0], g[2], g[4], g[6]);
        if (strcmp(out, expect) != 0)
            fail_msg("%s: '%s', want '%s'", want[w].policy, out, expect);
        assert_contains(err, "job 5 (2 GPUs) not placed");
    }
    /* what the shared GPUs hold goes to standard error */
    fmt(args, sizeof args,
        "place --topo %s --gpus 1,1 --gpu-milli 500 --placement best-fit",
        c12);
    assert_int_equal(run2(args), 0);
    assert_string_equal(out, "0 CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=50\n"
                             "0 CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=50\n");
    assert_string_equal(err, "gpusched place: job 1: 500 milli-GPU of GPU 0; "
                             "in use now: GPU 0 500 (1 job)\n"
                             "gpusched place: job 2: 500 milli-GPU of GPU 0; "
                             "in use now: GPU 0 1000 (2 jobs)\n");
    /* MPS: 25%, 2048 MiB on each visible device; a whole GPU has none */
    fmt(args, sizeof args,
        "place --topo %s --gpus 2 --gpu-milli 250 --gpu-mem 2G", c12);
    assert_int_equal(run2(args), 0);
    assert_string_equal(out, "0,1 CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=25 "
                             "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=0=2048M,"
                             "1=2048M\n");
    assert_contains(err, "250 milli-GPU of each of GPUs 0,1; in use now: "
                         "GPU 0 250 (1 job), GPU 1 250 (1 job)\n");
    /* device memory counts: two 10 GiB shares do not fit one 16 GiB GPU;
     * the third has no GPU left */
    fmt(args, sizeof args,
        "place --topo %s --gpus 1,1,1 --gpu-milli 100 --gpu-mem 10G "
        "--placement best-fit 2>/dev/null",
        c12);
    assert_int_equal(run2(args), 3);
    assert_string_equal(out, "0 CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=10 "
                             "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=0=10240M\n"
                             "1 CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=10 "
                             "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=0=10240M\n\n");
    /* --running: 0.3 in use on GPU 0. best-fit puts a half beside it (0.2
     * left); frag-aware and fgd, judging by the jobs asked (halves), on an
     * idle GPU: beside it the 0.2 left is of no use to a half */
    static const char *const pol[] = {"best-fit", "frag-aware", "fgd"};
    for (int p = 0; p < 3; p++) {
        fmt(args, sizeof args,
            "place --topo pcie-8gpu --gpus 1 --gpu-milli 500 --running 0:300 "
            "--placement %s",
            pol[p]);
        assert_int_equal(run2(args), 0);
        assert_string_equal(out, p ? "1 CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=50\n"
                                   : "0 CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=50\n");
        if (p)
            assert_contains(err, "gpusched place: fragmentation 0 GPUs (the "
                                 "mix of the jobs asked");
        else
            assert_null(strstr(err, "fragmentation"));
    }
    /* shares and busy GPUs side by side: GPU 0 held whole, 1 full */
    assert_int_equal(run2("place --topo pcie-8gpu --gpus 1 --gpu-milli 250 "
                          "--busy 0 --running 1:500,1:500,2:800"),
                     0);
    assert_string_equal(out, "3 CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=25\n");
    /* the measure by hand: one node, 2 GPUs, 4 CPUs; 0.5 running on GPU
     * 0, a 0.1 job beside it (best-fit): free [400, 1000]. Class 1x1000
     * (weight 3) fits GPU 1 and cannot use GPU 0's 400; 1x300 with 64
     * CPUs does not fit the node: all of its 1400 free. 0.75 x 400 + 0.25
     * x 1400 = 650 milli: 0.65 GPUs. */
    fmt(args, sizeof args,
        "place --topo %s --gpus 1 --gpu-milli 100 --running 0:500 "
        "--placement best-fit --frag-classes 1x1000:weight=3,1x300:cpus=64 "
        "--json",
        c124);
    assert_int_equal(run2(args), 0);
    json_doc doc;
    parse_json(&doc, out);
    assert_true(json_num(doc.root, "fragmentation") == 0.65);
    const json_value *j1 =
        json_member_get(doc.root, "placements")->value->u.arr.items[0];
    assert_true(json_num(j1, "gpu_milli") == 100);
    assert_true(json_num(j1, "gpu_mem") == 0);
    const json_value *env = json_member_get(j1, "mps_env")->value;
    assert_string_equal(
        json_member_get(env, "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE")
            ->value->u.str.s,
        "10");
    assert_null(json_member_get(env, "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"));
    const json_value *use = json_member_get(j1, "gpu_use")->value;
    assert_int_equal(use->u.arr.n, 1);
    assert_true(json_num(use->u.arr.items[0], "gpu") == 0);
    assert_true(json_num(use->u.arr.items[0], "milli") == 600);
    assert_true(json_num(use->u.arr.items[0], "jobs") == 2);
    json_doc_free(&doc);
    assert_string_equal(err, ""); /* all of it in the document */
    /* whole GPUs: the new keys say so; no measure without a mix */
    assert_int_equal(run2("place --topo dgx1-v100 --gpus 2 --json"), 0);
    parse_json(&doc, out);
    assert_int_equal(json_member_get(doc.root, "fragmentation")->value->type,
                     JSON_NULL);
    j1 = json_member_get(doc.root, "placements")->value->u.arr.items[0];
    assert_true(json_num(j1, "gpu_milli") == 1000);
    assert_int_equal(json_member_get(j1, "mps_env")->value->u.obj.n, 0);
    assert_int_equal(json_member_get(j1, "gpu_use")->value->u.arr.n, 0);
    json_doc_free(&doc);
    /* the topology from standard input, with shares */
    assert_int_equal(run2("topo show pcie-8gpu --json > /tmp/gs_cli_p8.json"),
                     0);
    assert_int_equal(run2("place --topo - --gpus 1 --gpu-milli 250 --running "
                          "0:750 --placement best-fit < /tmp/gs_cli_p8.json"),
                     0);
    assert_string_equal(out, "0 CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=25\n");
    unlink("/tmp/gs_cli_p8.json");
    /* bad values: exit 2, one line naming the option and the column */
    static const char *const bad[] = {
        "--gpu-milli 0", "--gpu-milli 1001", "--gpu-milli 0.5",
        "--gpu-milli ''", "--gpu-milli 500,", "--gpu-milli 500,250",
        "--gpu-milli -5", "--gpu-mem 1P", "--gpu-mem -1", "--gpu-mem 65537T",
        "--gpu-mem 4G,4G", "--running 0", "--running 9:500",
        "--running 0:1000", "--running 0:0", "--running 0:600,0:500",
        "--running 0:500:", "--running 0:500:x", "--running ,0:500",
        "--running 0:500 --busy 0", "--running 0:500 --free 1-7",
        "--running 0:400:30G,0:400:30G", "--frag-classes ''",
        "--frag-classes 0", "--frag-classes 65", "--frag-classes 1x0",
        "--frag-classes 1x1001", "--frag-classes 1y500",
        "--frag-classes 1x500:cpu=4", "--frag-classes 1x500:cpus=-1",
        "--frag-classes 1x500:weight=0", "--frag-classes 1x500:weight=nan",
        "--frag-classes 1x500:weight=1e16", "--frag-classes 1x500:mem=lots",
        "--frag-classes 1x500,2,1x500", "--frag-classes 1x500,,2",
        "--frag-classes 1x500:cpus=1:cpus=2", "--frag-classes 9x500",
        "--frag-classes 1x500:weight",
        ("--frag-classes 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,"
         "21,22,23,24,25,26,27,28,29,30,31,32,33")};
    static const char *const why[] = {
        "--gpu-milli '0': '0' at column 1: want milli-GPU from 1 to 1000",
        "'1001' at column 1", "'0.5' at column 1", "--gpu-milli '': ",
        "'' at column 5", "more values than the 1 job of --gpus",
        "'-5' at column 1",
        "--gpu-mem '1P': '1P' at column 1: want bytes",
        "'-1' at column 1", "at most 2^56", "more values than the 1 job",
        "'0' at column 1: want GPU:MILLI or GPU:MILLI:SIZE",
        "GPU '9' at column 1: the topology has GPUs 0-7",
        "share '1000' at column 3: want milli-GPU from 1 to 999",
        "share '0' at column 3",
        "the shares of GPU 0 add up to 1100 milli-GPU at column 7",
        "memory '' at column 7", "memory 'x' at column 7",
        "'' at column 1: want GPU:MILLI",
        "GPU 0 is in use (--busy) and has shares",
        "GPU 0 is in use (not in --free) and has shares",
        "adds up to 61440 MiB at column 11, more than its 49152 MiB",
        "an empty class at column 1", "GPUs '0' at column 1: want 1 to 64",
        "GPUs '65' at column 1", "share '0' at column 3",
        "share '1001' at column 3", "GPUs '1y500' at column 1",
        "'cpu=4' at column 7: want cpus=N, mem=SIZE or weight=W",
        "cpus '-1' at column 12", "weight '0' at column 14",
        "weight 'nan' at column 14", "weight '1e16' at column 14",
        "mem 'lots' at column 11",
        "the class at column 9 repeats the one at column 1",
        "an empty class at column 7", "cpus at column 14 is there twice",
        ("the class at column 1 shares 9 GPUs, but a shared job runs on one "
         "node and the largest has 8"),
        "'weight' at column 7",
        "at most 32 classes (column 88 starts the 33rd)"};
    assert_int_equal(sizeof bad / sizeof bad[0], sizeof why / sizeof why[0]);
    expect_usage_errors("place", "--topo pcie-8gpu --gpus 1", bad, why,
                        sizeof bad / sizeof bad[0]);
    expect_usage_errors("place", "--topo pcie-8gpu --gpus 1,1,1",
                        (const char *const[]){"--gpu-milli 500,250",
                                              "--gpu-mem 1G,0,2G,3G"},
                        (const char *const[]){
                            "2 values for the 3 jobs of --gpus",
                            "more values than the 3 jobs of --gpus"},
                        2);
    /* one value per job */
    assert_int_equal(run2("place --topo pcie-8gpu --gpus 1,1,1 --gpu-milli "
                          "500,1000,250 --gpu-mem 1G,0,2G --placement "
                          "best-fit"),
                     0);
    assert_string_equal(out, "0 CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=50 "
                             "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=0=1024M\n"
                             "1\n"
                             "0 CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=25 "
                             "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=0=2048M\n");
    /* the help has them, and the policies */
    assert_int_equal(run2("place --help"), 0);
    assert_contains(out, "\n  --gpu-milli N[,N...] ");
    assert_contains(out, "\n  --gpu-mem SIZE[,SIZE...]\n");
    assert_contains(out, "\n  --running LIST ");
    assert_contains(out, "\n  --frag-classes SPEC ");
    assert_contains(out, "nvlink-pack, frag-aware or fgd");
    unlink(c22);
    unlink(c12);
    unlink(c124);
}

/* Run gpusched sim on a trace given as text (in a temporary file) with
 * more arguments: its exit status, stdout in out and stderr in err. */
static int sim_text(const char *topo, const char *trace, const char *extra)
{
    char path[64], args[512];
    temp_file(path, trace, strlen(trace));
    fmt(args, sizeof args, "sim --topo %s --jobs %s %s", topo, path, extra);
    int rc = run2(args);
    unlink(path);
    return rc;
}

/* Run gpusched sim on tests/data/sim/patterns.csv as its comments work it
 * out (first-fit, fifo) with more arguments. */
static int sim_patterns_fixture(const char *extra)
{
    char args[1024];
    fmt(args, sizeof args, "sim --topo dgx1-v100 --jobs '%s' --placement "
                           "first-fit --ordering fifo %s",
        test_data("sim/patterns.csv"), extra);
    return run2(args);
}

/* Read a whole small file into out (the test fails if it cannot). */
static void read_into(const char *path, char *dst, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(dst, 1, cap - 1, f);
    assert_true(n < cap - 1);
    dst[n] = '\0';
    fclose(f);
}

/* A distribution object {"n", "mean", "median", "p95", "p99"}. */
static void expect_dist(const json_value *obj, const char *key, double n,
                        double mean, double median, double p95, double p99)
{
    const json_member *m = json_member_get(obj, key);
    assert_non_null(m);
    /* JSON numbers have 15 significant digits */
    assert_true(json_num(m->value, "n") == n);
    assert_true(fabs(json_num(m->value, "mean") - mean) <= 1e-9 * mean);
    assert_true(fabs(json_num(m->value, "median") - median) <=
                1e-9 * median);
    assert_true(fabs(json_num(m->value, "p95") - p95) <= 1e-9 * p95);
    assert_true(fabs(json_num(m->value, "p99") - p99) <= 1e-9 * p99);
}

static char summary_text[1 << 16];

/* sim's metrics: every figure of tests/data/sim/metrics.csv as its
 * comments work it out by hand, in the text summary and in --summary. */
static void sim_metrics(void **state)
{
    (void)state;
    char sum[64], args[1024];
    fmt(sum, sizeof sum, "/tmp/gs_sum_%d.json", (int)getpid());
    unlink(sum);
    char topo[512], jobs[512];
    fmt(topo, sizeof topo, "%s", test_data("sim/metrics-cluster.json"));
    fmt(jobs, sizeof jobs, "%s", test_data("sim/metrics.csv"));
    fmt(args, sizeof args,
        "sim --topo '%s' --jobs '%s' --ordering fifo --placement first-fit "
        "--summary %s",
        topo, jobs, sum);
    assert_int_equal(run2(args), 0);
    assert_string_equal(out, "id,submit,start,end,nodes,gpus,"
                             "reason_if_never_started\n"
                             "X,0,0,100,t1,3,\nY,0,0,100,t2,3,\n"
                             "Z,0,100,200,t1,2,\nW,50,100,110,t1,1,\n");
    assert_contains(err, "wait: mean 37.5 s, median 25.0 s, p95 100.0 s, "
                         "p99 100.0 s\nmakespan 200 s, GPU utilization "
                         "50.6%\n");
    assert_contains(err, "JCT: mean 115.0 s, median 100.0 s, p95 200.0 s, "
                         "p99 200.0 s (4 jobs ran to the end)\n");
    assert_contains(err, "bounded slowdown (10 s): mean 2.50, median 1.50, "
                         "p95 6.00, p99 6.00\n");
    assert_contains(err, "queue: mean 0.75 jobs, max 2; jobs waited 50.0% "
                         "of the time\n");
    assert_contains(err, "GPUs free while jobs waited: mean 1.0; stranded");
    assert_contains(err, "mean 0.5\n");
    assert_contains(err, "  1: 1 job, 1 started; wait mean 50.0 s, p95 "
                         "50.0 s; JCT mean 60.0 s, p95 60.0 s; slowdown "
                         "mean 6.00\n");
    assert_contains(err, "  beta: 2 jobs, 2 started; wait mean 75.0 s, p95 "
                         "100.0 s; JCT mean 130.0 s, p95 200.0 s; slowdown "
                         "mean 4.00\n");
    read_into(sum, summary_text, sizeof summary_text);
    unlink(sum);
    json_doc doc;
    parse_json(&doc, summary_text);
    const json_value *run = json_member_get(doc.root, "run")->value;
    assert_string_equal(json_member_get(run, "ordering")->value->u.str.s,
                        "fifo");
    assert_int_equal(json_member_get(run, "backfill")->value->type,
                     JSON_NULL);
    const json_value *s = json_member_get(doc.root, "summary")->value;
    expect_dist(s, "wait", 4, 37.5, 25, 100, 100);
    expect_dist(s, "jct", 4, 115, 100, 200, 200);
    expect_dist(s, "slowdown", 4, 2.5, 1.5, 6, 6);
    assert_true(json_num(s, "queue_mean") == 0.75);
    assert_true(json_num(s, "queue_max") == 2);
    assert_true(json_num(s, "wait_time_share") == 0.5);
    assert_true(json_num(s, "busy_gpus_mean") == 4.05);
    assert_true(json_num(s, "free_gpus_while_waiting_mean") == 1);
    assert_true(json_num(s, "stranded_gpus_mean") == 0.5);
    /* by account: acme 600 GPU-s, beta 210 */
    const json_value *acc = json_member_get(s, "by_account")->value;
    assert_int_equal(acc->u.arr.n, 2);
    assert_string_equal(json_member_get(acc->u.arr.items[1], "name")
                            ->value->u.str.s,
                        "beta");
    assert_true(json_num(acc->u.arr.items[0], "gpu_seconds") == 600);
    assert_true(json_num(acc->u.arr.items[1], "gpu_seconds") == 210);
    expect_dist(acc->u.arr.items[1], "slowdown", 2, 4, 4, 6, 6);
    /* the timeline: 1 s buckets (the span, 150 s, over 1,024); 6 GPUs busy
     * until 100, 3 until 110, then 2; 1 job waits until 50, then 2 */
    const json_value *tl = json_member_get(s, "timeline")->value;
    assert_true(json_num(tl, "interval") == 1);
    assert_true(json_num(tl, "gpus") == 8);
    const json_value *busy = json_member_get(tl, "busy_gpus")->value,
                     *queue = json_member_get(tl, "queue")->value;
    assert_int_equal(busy->u.arr.n, 200);
    assert_true(json_number_double(busy->u.arr.items[0]) == 6);
    assert_true(json_number_double(busy->u.arr.items[99]) == 6);
    assert_true(json_number_double(busy->u.arr.items[105]) == 3);
    assert_true(json_number_double(busy->u.arr.items[199]) == 2);
    assert_true(json_number_double(queue->u.arr.items[49]) == 1);
    assert_true(json_number_double(queue->u.arr.items[50]) == 2);
    assert_true(json_number_double(queue->u.arr.items[100]) == 0);
    json_doc_free(&doc);
    /* --slowdown-bound 100: W's slowdown is 60/100, so 1; Z's 2 */
    fmt(args, sizeof args,
        "sim --topo '%s' --jobs '%s' --ordering fifo --placement first-fit "
        "--slowdown-bound 100 --json",
        topo, jobs);
    assert_int_equal(run2(args), 0);
    parse_json(&doc, out);
    s = json_member_get(doc.root, "summary")->value;
    expect_dist(s, "slowdown", 4, 1.25, 1, 2, 2);
    json_doc_free(&doc);
    /* a requeued job (tests/data/sim/preempt.csv): P1 (8 GPUs) runs 0-100,
     * is preempted by H (4 GPUs, 100-300), waits 100-300 and runs
     * 300-1300. JCTs 1300 and 200; slowdowns 1.3 and 1; 1 job waits for
     * 200 of 1300 s beside 4 free GPUs, stranded (P1 needs 8 on a node):
     * 4 x 200 / 1300 = 0.615 */
    fmt(args, sizeof args,
        "sim --topo dgx1-v100 --jobs '%s' --preempt requeue --ordering "
        "priority",
        test_data("sim/preempt.csv"));
    assert_int_equal(run2(args), 0);
    assert_contains(err, "JCT: mean 750.0 s, median 750.0 s, p95 1300.0 s, "
                         "p99 1300.0 s (2 jobs ran to the end)\n"
                         "bounded slowdown (10 s): mean 1.15, median 1.15, "
                         "p95 1.30, p99 1.30\n"
                         "queue: mean 0.15 jobs, max 1; jobs waited 15.4% "
                         "of the time\n"
                         "GPUs free while jobs waited: mean 0.6; stranded "
                         "(on nodes with fewer free than any waiting job "
                         "needs): mean 0.6\n");
}

/* CPU-only jobs (gpus 0) in a replay: tests/data/sim/cpu-jobs.csv as its
 * comments work it out by hand (the placement, the cpu size class, and
 * the GPUs free while only GPU jobs' waits count); a row with gpus 0 and
 * neither CPUs nor memory is an error at its gpus column. */
static void sim_cpu_jobs(void **state)
{
    (void)state;
    char args[1024], topo[512];
    /* test_data's buffer is static: one call per argument list */
    fmt(topo, sizeof topo, "%s", test_data("sim/cpu-cluster.json"));
    fmt(args, sizeof args,
        "sim --topo '%s' --jobs '%s' --ordering fifo --placement first-fit",
        topo, test_data("sim/cpu-jobs.csv"));
    assert_int_equal(run2(args), 0);
    assert_string_equal(out, "id,submit,start,end,nodes,gpus,"
                             "reason_if_never_started\n"
                             "G,0,0,100,c0,1,\nC,0,0,50,c0,0,\n"
                             "D,10,50,70,c0,0,\nH,20,50,80,c0,1,\n");
    assert_contains(err, "wait: mean 17.5 s, median 15.0 s, p95 40.0 s, "
                         "p99 40.0 s\nmakespan 100 s, GPU utilization "
                         "65.0%\n");
    assert_contains(err, "JCT: mean 67.5 s, median 60.0 s, p95 100.0 s, "
                         "p99 100.0 s (4 jobs ran to the end)\n");
    assert_contains(err, "queue: mean 0.70 jobs, max 2; jobs waited 40.0% "
                         "of the time\n");
    assert_contains(err, "GPUs free while jobs waited: mean 0.3; stranded");
    assert_contains(err, "  cpu: 2 jobs, 2 started; wait mean 20.0 s, p95 "
                         "40.0 s; JCT mean 55.0 s, p95 60.0 s; slowdown "
                         "mean 2.00\n");
    assert_contains(err, "  1: 2 jobs, 2 started; wait mean 15.0 s, p95 "
                         "30.0 s; JCT mean 80.0 s, p95 100.0 s; slowdown "
                         "mean 1.50\n");
    /* gpus 0 asking for nothing */
    char path[64];
    fmt(path, sizeof path, "/tmp/gs_cpu_%d.csv", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("id,submit,duration,gpus,cpus_per_gpu\nA,0,1,0,\n", f);
    fclose(f);
    fmt(args, sizeof args, "sim --topo dgx1-v100 --jobs %s", path);
    assert_int_equal(run2(args), 1);
    assert_contains(err, ":2:7: gpus 0 is a CPU-only job: it needs "
                         "cpus_per_gpu or mem_per_gpu");
    unlink(path);
}

/* A long timeline merges its buckets: at most 1,024, their means still
 * the state's (on one node of 4 GPUs, a holds 1 GPU from 0 to 10; b, 4
 * GPUs submitted at 1, runs from 10 to 3,000,010). */
static void sim_metrics_timeline(void **state)
{
    (void)state;
    static const char trace[] = "id,submit,duration,gpus\n"
                                "a,0,10,1\nb,1,3000000,4\n";
    assert_int_equal(sim_text("gb200-tray", trace, "--json"), 0);
    json_doc doc;
    parse_json(&doc, out);
    const json_value *tl =
        json_member_get(json_member_get(doc.root, "summary")->value,
                        "timeline")
            ->value;
    const json_value *busy = json_member_get(tl, "busy_gpus")->value;
    double w = json_num(tl, "interval");
    assert_true(busy->u.arr.n <= 1024);
    assert_true(w * (double)busy->u.arr.n >= 3000010);
    /* every bucket but the first says 4 (the last is cut at the end); the
     * first holds a (1 GPU for 10 s) and b from 10 */
    for (size_t i = 1; i < busy->u.arr.n; i++)
        assert_true(json_number_double(busy->u.arr.items[i]) == 4);
    double first = json_number_double(busy->u.arr.items[0]);
    assert_true(fabs(first - (10.0 + 4.0 * (w - 10)) / w) < 1e-9);
    json_doc_free(&doc);
}

/* JCT, wait and slowdown of a random trace against the CSV the run wrote,
 * worked out again here: a check of the summary that does not trust its
 * arithmetic. */
static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void sim_metrics_random(void **state)
{
    (void)state;
    static char trace[1 << 15];
    size_t n = 0;
    n += (size_t)snprintf(trace, sizeof trace,
                          "id,submit,duration,time_limit,gpus\n");
    unsigned seed = 7;
    int64_t durs[300];
    for (int i = 0; i < 300; i++) {
        seed = seed * 1103515245u + 12345u;
        int gpus = 1 + (int)((seed >> 16) % 8);
        seed = seed * 1103515245u + 12345u;
        int64_t dur = 1 + (int64_t)((seed >> 16) % 500);
        durs[i] = dur;
        n += (size_t)snprintf(trace + n, sizeof trace - n,
                              "j%d,%d,%lld,,%d\n", i, i * 7,
                              (long long)dur, gpus);
    }
    assert_int_equal(sim_text("dgx-h100", trace, "--backfill easy --json"),
                     0);
    json_doc doc;
    parse_json(&doc, out);
    const json_value *jobs = json_member_get(doc.root, "jobs")->value;
    assert_int_equal(jobs->u.arr.n, 300);
    static double wait[300], jct[300], sd[300];
    for (size_t i = 0; i < 300; i++) {
        const json_value *j = jobs->u.arr.items[i];
        double sub = json_num(j, "submit"), st = json_num(j, "start"),
               en = json_num(j, "end");
        int idx = atoi(json_member_get(j, "id")->value->u.str.s + 1);
        wait[i] = st - sub;
        jct[i] = en - sub;
        double base = (double)durs[idx] > 10 ? (double)durs[idx] : 10;
        sd[i] = jct[i] / base > 1 ? jct[i] / base : 1;
    }
    const char *keys[3] = {"wait", "jct", "slowdown"};
    double *vals[3] = {wait, jct, sd};
    const json_value *s = json_member_get(doc.root, "summary")->value;
    for (int k = 0; k < 3; k++) {
        double *v = vals[k], sum = 0;
        qsort(v, 300, sizeof *v, cmp_dbl);
        for (int i = 0; i < 300; i++)
            sum += v[i];
        /* nearest rank: 95% of 300 is 285, the 285th value */
        expect_dist(s, keys[k], 300, sum / 300, (v[149] + v[150]) / 2,
                    v[284], v[296]);
    }
    json_doc_free(&doc);
}

/* Quiet steps decide what full steps decide (tests/test_quiet.c checks
 * the library call by call): an overloaded random trace (users in
 * accounts, priorities, sizes 1 to 16) on one DGX H100 and two DGX-1,
 * under each ordering and fair-share algorithm, gives the same output,
 * byte for byte, with and without --full-steps. */
static void sim_quiet_same(void **state)
{
    (void)state;
    static char trace[1 << 17];
    size_t n = (size_t)snprintf(trace, sizeof trace,
                                "id,submit,duration,time_limit,gpus,"
                                "gpus_per_node,user,account,priority\n");
    static const char *const users[] = {"u0", "u1", "u2", "u3", "u4"};
    static const char *const accts[] = {"a", "a", "b", "c", "c"};
    static const int sizes[] = {1, 1, 1, 2, 2, 4, 8, 16};
    unsigned seed = 11;
    for (int i = 0; i < 1000; i++) {
        seed = seed * 1103515245u + 12345u;
        int gpus = sizes[(seed >> 16) % 8];
        seed = seed * 1103515245u + 12345u;
        int dur = 60 + (int)((seed >> 16) % 3000);
        seed = seed * 1103515245u + 12345u;
        int u = (int)((seed >> 16) % 5);
        seed = seed * 1103515245u + 12345u;
        int prio = (int)((seed >> 16) % 1001);
        /* three jobs in four with a time limit (EASY backfill's) */
        char limit[16] = "";
        if (i % 4)
            snprintf(limit, sizeof limit, "%d", dur + (int)(seed % 900));
        n += (size_t)snprintf(trace + n, sizeof trace - n,
                              "j%d,%d,%d,%s,%d,%s,%s,%s,%d\n", i, i * 40, dur,
                              limit, gpus, gpus == 16 ? "8" : "", users[u],
                              accts[u], i % 3 ? prio : 0);
        assert_true(n < sizeof trace);
    }
    char topo[64];
    static const char tdoc[] =
        "{\"gpusched\": 1, \"nodes\": ["
        "{\"name\": \"h1\", \"template\": \"dgx-h100\"},"
        "{\"name\": \"v[1-2]\", \"template\": \"dgx1-v100\"}]}";
    temp_file(topo, tdoc, sizeof tdoc - 1);
    static const char *const configs[] = {
        "--ordering fifo", "--ordering priority",
        "--ordering multifactor --fairshare fair-tree",
        "--ordering multifactor --fairshare classic --placement first-fit",
        "--ordering multifactor --backfill easy",
        "--ordering fifo --backfill easy --placement best-fit"};
    static char quiet_out[sizeof out];
    for (size_t c = 0; c < sizeof configs / sizeof *configs; c++) {
        char extra[256];
        fmt(extra, sizeof extra, "%s --auto-accounts --split --json",
            configs[c]);
        assert_int_equal(sim_text(topo, trace, extra), 0);
        memcpy(quiet_out, out, sizeof out);
        fmt(extra, sizeof extra,
            "%s --auto-accounts --split --json --full-steps", configs[c]);
        assert_int_equal(sim_text(topo, trace, extra), 0);
        assert_true(strlen(out) + 1 < sizeof out);
        /* the load is over the capacity: hundreds of jobs wait (else
         * there is little to compare) */
        json_doc doc;
        parse_json(&doc, out);
        const json_value *sum = json_member_get(doc.root, "summary")->value;
        assert_true(json_num(sum, "queue_max") >= 200);
        json_doc_free(&doc);
        if (strcmp(out, quiet_out) != 0)
            fail_msg("%s: quiet and full steps differ", configs[c]);
    }
    unlink(topo);
}

/* compare: each run is the sim run of its policies (first-fit and
 * best-fit under FIFO give metrics.csv's hand-worked figures; nvlink-pack
 * with EASY backfill lets W start at 50 beside Z's wait: its row equals
 * that sim run's summary); --runs keeps each run's outputs. */
static void compare_runs(void **state)
{
    (void)state;
    char topo[512], jobs[512], args[2048], dir[64];
    fmt(topo, sizeof topo, "%s", test_data("sim/metrics-cluster.json"));
    fmt(jobs, sizeof jobs, "%s", test_data("sim/metrics.csv"));
    fmt(dir, sizeof dir, "/tmp/gs_compare_%d", (int)getpid());
    fmt(args, sizeof args,
        "compare --topo '%s' --jobs '%s' --placement first-fit,best-fit "
        "--ordering fifo --backfill none,easy --parallel 2 --csv --runs %s",
        topo, jobs, dir);
    assert_int_equal(run2(args), 0);
    /* four rows in the order placement x ordering x backfill */
    const char *row[4] = {"first-fit_fifo_none_off,first-fit,fifo,none,off,",
                          "first-fit_fifo_easy_off,", "best-fit_fifo_none_off,",
                          "best-fit_fifo_easy_off,"};
    const char *at = out;
    for (int i = 0; i < 4; i++) {
        const char *p = strstr(at, row[i]);
        assert_non_null(p);
        at = p + 1;
    }
    /* FIFO without backfill: the hand-worked figures (status 0, 4 jobs,
     * all started, none refused, then wait, JCT, slowdown, makespan,
     * utilization, queue, free, stranded) */
    assert_contains(out, "first-fit_fifo_none_off,first-fit,fifo,none,off,0,"
                         "4,4,0,0,37.5,25,100,100,115,100,200,200,2.5,1.5,6,"
                         "6,200,0.50625,0.75,1,0.5,");
    assert_contains(out, "best-fit_fifo_none_off,best-fit,fifo,none,off,0,"
                         "4,4,0,0,37.5,25,100,100,");
    /* EASY: W (1 GPU, 10 s) fits beside X on t1 at 50 and ends at 60,
     * before Z's reservation at 100: waits 0, 0, 100, 0 (mean 25), JCTs
     * 100, 100, 200, 10 (mean 102.5) */
    assert_contains(out, "first-fit_fifo_easy_off,first-fit,fifo,easy,off,0,"
                         "4,4,0,0,25,0,100,100,102.5,100,200,200,");
    /* the kept runs: the jobs, the summary text and the JSON summary */
    char path[256];
    fmt(path, sizeof path, "%s/first-fit_fifo_easy_off.csv", dir);
    read_into(path, summary_text, sizeof summary_text);
    assert_contains(summary_text, "W,50,50,60,t1,1,\n");
    fmt(path, sizeof path, "%s/first-fit_fifo_easy_off.txt", dir);
    read_into(path, summary_text, sizeof summary_text);
    assert_contains(summary_text, "wait: mean 25.0 s, median 0.0 s");
    fmt(path, sizeof path, "%s/best-fit_fifo_none_off.json", dir);
    read_into(path, summary_text, sizeof summary_text);
    json_doc doc;
    parse_json(&doc, summary_text);
    const json_value *run = json_member_get(doc.root, "run")->value;
    assert_string_equal(json_member_get(run, "placement")->value->u.str.s,
                        "best-fit");
    expect_dist(json_member_get(doc.root, "summary")->value, "jct", 4, 115,
                100, 200, 200);
    json_doc_free(&doc);
    const char *names[4] = {"first-fit_fifo_none_off", "first-fit_fifo_easy_off",
                            "best-fit_fifo_none_off", "best-fit_fifo_easy_off"};
    const char *ext[3] = {"csv", "json", "txt"};
    for (int i = 0; i < 4; i++)
        for (int e = 0; e < 3; e++) {
            fmt(path, sizeof path, "%s/%s.%s", dir, names[i], ext[e]);
            assert_int_equal(unlink(path), 0);
        }
    assert_int_equal(rmdir(dir), 0);
    /* --json: the same figures */
    fmt(args, sizeof args,
        "compare --topo '%s' --jobs '%s' --placement first-fit --ordering "
        "fifo --json",
        topo, jobs);
    assert_int_equal(run2(args), 0);
    parse_json(&doc, out);
    const json_value *runs = json_member_get(doc.root, "runs")->value;
    assert_int_equal(runs->u.arr.n, 1);
    expect_dist(runs->u.arr.items[0], "slowdown", 4, 2.5, 1.5, 6, 6);
    assert_true(json_num(runs->u.arr.items[0], "stranded_gpus_mean") == 0.5);
    json_doc_free(&doc);
    /* the text table has a row per run */
    fmt(args, sizeof args,
        "compare --topo '%s' --jobs '%s' --placement first-fit --ordering "
        "fifo,priority",
        topo, jobs);
    assert_int_equal(run2(args), 0);
    assert_contains(out, "\nfirst-fit    fifo        none         off     "
                         "     37.5     100.0     115.0     200.0     2.50 "
                         "    6.00   50.6   0.75     0.50");
    assert_contains(out, "\nfirst-fit    priority    none");
}

/* compare's errors: standard input, unknown or repeated values, --csv with
 * --json, an unreadable trace (before any run), a run that fails (exit 1,
 * its message and the table saying so). */
/* On a terminal (script(1) gives one), a run's messages come on lines of
 * their own after its end, never inside the progress line: every
 * "gpusched sim (" starts a line, after the line is cleared. */
static void compare_messages_own_lines(void **state)
{
    (void)state;
    if (system("command -v script > /dev/null 2>&1") != 0) {
        skip();
        return;
    }
    static char trace[1 << 14];
    size_t n = (size_t)snprintf(trace, sizeof trace,
                                "id,submit,duration,gpus,partition\n"
                                "q,1,10,1,nopart\n");
    for (int i = 0; i < 200; i++)
        n += (size_t)snprintf(trace + n, sizeof trace - n, "j%d,%d,50,1,\n",
                              i, i);
    char path[64], cmd[1024];
    temp_file(path, trace, n);
    fmt(cmd, sizeof cmd,
        "script -qc \"'%s' compare --topo dgx-h100 --jobs %s --placement "
        "first-fit,best-fit --out /dev/null\" /dev/null",
        GS_TOOL_PATH, path);
    test_run_command(cmd, out, sizeof out);
    unlink(path);
    if (!strstr(out, "runs done")) {
        skip(); /* script could not make a terminal here (no ptys) */
        return;
    }
    assert_contains(out, "\r\033[Kgpusched sim (first-fit_");
    assert_contains(out, "\r\033[Kgpusched sim (best-fit_");
    assert_contains(out, "runs done");
    for (const char *p = strstr(out, "gpusched sim ("); p;
         p = strstr(p + 1, "gpusched sim (")) {
        bool cleared = p - out >= 3 && strncmp(p - 3, "\033[K", 3) == 0;
        bool line = p > out && p[-1] == '\n';
        if (!cleared && !line)
            fail_msg("a message inside a line: %.60s",
                     p - out > 20 ? p - 20 : out);
    }
}

static void compare_errors(void **state)
{
    (void)state;
    char topo[512], args[1024];
    fmt(topo, sizeof topo, "%s", test_data("sim/metrics-cluster.json"));
    static const struct {
        const char *args, *msg;
        int rc;
    } cases[] = {
        {"--jobs -", "give files, not - (standard input)", 2},
        {"--jobs J --placement first-fit,bogus",
         "unknown placement policy 'bogus'", 2},
        {"--jobs J --ordering fifo,fifo", "--ordering: 'fifo' given twice",
         2},
        {"--jobs J --backfill some", "--backfill: unknown value 'some'", 2},
        {"--jobs J --backfill ,", "--backfill ',': want values", 2},
        {"--jobs J --csv --json", "--csv and --json: choose one", 2},
        {"--jobs J --parallel 0", "--parallel '0': want a whole number", 2},
        {"--jobs J --comm-fraction 2", "--comm-fraction '2'", 2},
        {"--jobs /nonexistent.csv", "--jobs /nonexistent.csv: cannot read "
                                    "it: No such file",
         1},
    };
    char good[512];
    fmt(good, sizeof good, "'%s'", test_data("sim/metrics.csv"));
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char rest[512];
        const char *j = strstr(cases[i].args, "--jobs J");
        if (j)
            fmt(rest, sizeof rest, "--jobs %s%s", good, j + 8);
        else
            fmt(rest, sizeof rest, "%s", cases[i].args);
        fmt(args, sizeof args, "compare --topo '%s' %s", topo, rest);
        assert_int_equal(run2(args), cases[i].rc);
        assert_contains(err, cases[i].msg);
        assert_string_equal(out, "");
    }
    /* the topology options reach every run: a wrong --format fails it */
    fmt(args, sizeof args,
        "compare --topo '%s' --jobs '%s' --format smi", topo,
        test_data("sim/metrics.csv"));
    assert_int_equal(run2(args), 1);
    assert_contains(err, "metrics-cluster.json:1:1: no nvidia-smi topo -m "
                         "header");
    assert_contains(out, "failed (exit status 1)\n");
    /* a trace with a user name the scheduler refuses: each run fails */
    static const char bad[] = "id,submit,duration,gpus,user\na,0,10,1,x y\n";
    char path[64];
    temp_file(path, bad, sizeof bad - 1);
    fmt(args, sizeof args,
        "compare --topo '%s' --jobs %s --placement first-fit,spread", topo,
        path);
    assert_int_equal(run2(args), 1);
    unlink(path);
    assert_contains(err, "gpusched sim (first-fit_multifactor_none_off): ");
    assert_contains(err, "2 of 2 runs failed");
    assert_contains(out, "first-fit    multifactor none         off     "
                         "failed (exit status 1)\n");
}

/* The run-time model across nodes: three DGX-1 nodes, n1 and n3 under
 * leaf1, n2 under leaf2, both under a spine. A 16-GPU chain crosses the
 * network once: 25 GB/s under one leaf, half that across the spine
 * (docs/placement.md). No node holds 16 GPUs, so the reference is two
 * nodes under one leaf (n1, n3): 25. first-fit takes n1 and n2 (12.5):
 * 1000 x (0.5 + 0.5 x 25 / 12.5) = 1500 s; nvlink-pack takes n1 and n3
 * and runs 1000 s, on its best set. */
static void sim_model_across_nodes(void **state)
{
    (void)state;
    static const char topo[] =
        "{\"nodes\": [{\"name\": \"n[1-3]\", \"template\": \"dgx1-v100\"}],"
        " \"switches\": [{\"name\": \"spine\", \"switches\": \"leaf[1-2]\"},"
        " {\"name\": \"leaf1\", \"nodes\": \"n[1,3]\"},"
        " {\"name\": \"leaf2\", \"nodes\": \"n2\"}]}";
    static const char trace[] = "id,submit,duration,gpus,gpus_per_node,"
                                "pattern\nA,0,1000,16,8,chain\n";
    char tpath[64], args[256];
    temp_file(tpath, topo, sizeof topo - 1);
    fmt(args, sizeof args, "--placement first-fit --comm-fraction 0.5");
    assert_int_equal(sim_text(tpath, trace, args), 0);
    assert_contains(out, "A,0,0,1500,n1;n2,16,\n");
    assert_contains(err, "on their best set: 0 of 1");
    fmt(args, sizeof args, "--placement nvlink-pack --comm-fraction 0.5");
    assert_int_equal(sim_text(tpath, trace, args), 0);
    assert_contains(out, "A,0,0,1000,n1;n3,16,\n");
    assert_contains(err, "on their best set: 1 of 1");
    unlink(tpath);
}

/* A job of sim_spill_same's trace: its submit and place in the file. */
typedef struct spill_job {
    int submit, row;
} spill_job;

static int cmp_spill_job(const void *a, const void *b)
{
    const spill_job *x = a, *y = b;
    if (x->submit != y->submit)
        return x->submit < y->submit ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* Memory bounded by the jobs in the system: with --spill-after 32K the
 * output's rows, the summary's values and the order of a trace out of
 * order go through temporary files, and the output is the same, byte for
 * byte, as holding it all (CSV, JSON with expected starts, the summary
 * file, a trace read from a pipe); the rows come in submission order,
 * ties in the file's, worked out here. The trace has 150 accounts, jobs
 * refused, timeouts and requeued preemptions. */
static void sim_spill_same(void **state)
{
    (void)state;
    enum { N = 1200 };
    static char trace[1 << 17];
    static spill_job order[N];
    size_t n = (size_t)snprintf(trace, sizeof trace,
                                "id,submit,duration,time_limit,gpus,user,"
                                "account,priority,preemptible\n");
    static const int sizes[] = {1, 1, 2, 4, 8, 16, 1, 64};
    unsigned seed = 23;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        int submit = (int)((seed >> 16) % 300) * 50; /* out of order, ties */
        seed = seed * 1103515245u + 12345u;
        int gpus = sizes[(seed >> 16) % 8];
        seed = seed * 1103515245u + 12345u;
        int dur = 30 + (int)((seed >> 16) % 4000);
        int limit = i % 7 == 0 ? dur / 2 : dur + 600; /* timeouts */
        order[i] = (spill_job){submit, i};
        n += (size_t)snprintf(trace + n, sizeof trace - n,
                              "j%d,%d,%d,%d,%d,u%d,a%d,%d,%d\n", i, submit,
                              dur, limit, gpus, i % 40, i % 150,
                              (int)(seed % 1000), i % 3 == 0);
        assert_true(n < sizeof trace);
    }
    char tpath[64], topo[64], sum1[64], sum2[64];
    temp_file(tpath, trace, n);
    static const char tdoc[] =
        "{\"gpusched\": 1, \"nodes\": ["
        "{\"name\": \"h[1-2]\", \"template\": \"dgx-h100\"}]}";
    temp_file(topo, tdoc, sizeof tdoc - 1);
    temp_file(sum1, "", 0);
    temp_file(sum2, "", 0);
    static char out1[sizeof out], err1[sizeof err], s1[1 << 19], s2[1 << 19];
    static const char *const modes[] = {"", "--json --expected-start"};
    for (int m = 0; m < 2; m++) {
        char args[1024];
        const char *common = "--auto-accounts --preempt requeue --ordering "
                             "priority --backfill easy --quiet";
        fmt(args, sizeof args, "sim --topo %s --jobs %s %s %s --summary %s",
            topo, tpath, common, modes[m], sum1);
        assert_int_equal(run2(args), 0);
        memcpy(out1, out, sizeof out);
        memcpy(err1, err, sizeof err);
        read_into(sum1, s1, sizeof s1);
        fmt(args, sizeof args,
            "sim --topo %s --jobs %s %s %s --summary %s --spill-after 32K",
            topo, tpath, common, modes[m], sum2);
        assert_int_equal(run2(args), 0);
        read_into(sum2, s2, sizeof s2);
        assert_string_equal(out, out1);
        assert_string_equal(err, err1);
        assert_string_equal(s2, s1);
        /* preempted, requeued, timed out and refused jobs are there */
        assert_contains(s1, "\"preemptions\": ");
        assert_null(strstr(s1, "\"preemptions\": 0,"));
        assert_contains(out1, m ? "\"reason\": \"timeout\"" : ",\"timeout\"");
        assert_contains(out1, "64 asked, the cluster has 16");
        /* from a pipe (read twice through a temporary file) */
        char cmd[2048];
        fmt(cmd, sizeof cmd,
            "cat '%s' | '%s' sim --topo %s --jobs - %s %s --spill-after 32K "
            "2>/dev/null",
            tpath, GS_TOOL_PATH, topo, common, modes[m]);
        assert_int_equal(test_run_command(cmd, out, sizeof out), 0);
        assert_string_equal(out, out1);
    }
    /* the CSV rows in submission order, ties in the file's */
    qsort(order, N, sizeof *order, cmp_spill_job);
    char csv_args[1024];
    fmt(csv_args, sizeof csv_args,
        "sim --topo %s --jobs %s --auto-accounts --quiet --spill-after 32K",
        topo, tpath);
    assert_int_equal(run2(csv_args), 0);
    const char *p = strchr(out, '\n') + 1;
    for (int i = 0; i < N; i++) {
        char want[32];
        int len = snprintf(want, sizeof want, "j%d,%d,", order[i].row,
                           order[i].submit);
        if (strncmp(p, want, (size_t)len) != 0)
            fail_msg("row %d: want %s, got %.40s", i, want, p);
        p = strchr(p, '\n');
        assert_non_null(p);
        p++;
    }
    assert_string_equal(p, "");
    unlink(tpath);
    unlink(topo);
    unlink(sum1);
    unlink(sum2);
}

/* Sums are taken in the trace's order, whatever order the jobs end in:
 * bb's three shares of 0.1 GPU run together and end in the order 3, 1, 2
 * (0.1 + 0.2 + 0.3 GPU-seconds would be 0.6000000000000001), aa's one
 * after another; in the trace's order both are 0.2 + 0.3 + 0.1, a tie,
 * which the list breaks by name: aa first. */
static void sim_sums_in_trace_order(void **state)
{
    (void)state;
    static const char trace[] = "id,submit,duration,gpus,account,user,"
                                "gpu_milli\n"
                                "b1,0,2,1,bb,u1,100\nb2,0,3,1,bb,u1,100\n"
                                "b3,0,1,1,bb,u1,100\na1,1000,2,1,aa,u2,100\n"
                                "a2,1100,3,1,aa,u2,100\na3,1200,1,1,aa,u2,"
                                "100\n";
    for (int spill = 0; spill < 2; spill++) {
        assert_int_equal(sim_text("dgx-h100", trace,
                                  spill ? "--auto-accounts --spill-after 32K"
                                        : "--auto-accounts"),
                         0);
        assert_contains(err, "by account:\n  aa: 3 jobs");
        assert_contains(err, "slowdown mean 1.00\n  bb: 3 jobs");
    }
}

/* A repeated id far from its first (the ids' hashes sorted through
 * temporary files) is found at its line and column. */
static void sim_duplicate_ids_spilled(void **state)
{
    (void)state;
    static char trace[1 << 16];
    size_t n = (size_t)snprintf(trace, sizeof trace, "submit,id,duration,"
                                                     "gpus\n");
    for (int i = 0; i < 3000; i++)
        n += (size_t)snprintf(trace + n, sizeof trace - n, "%d,j%d,10,1\n",
                              3000 - i, i);
    n += (size_t)snprintf(trace + n, sizeof trace - n, "5,  j17,10,1\n");
    assert_true(n < sizeof trace);
    assert_int_equal(sim_text("dgx-h100", trace, "--spill-after 32K"), 1);
    assert_string_equal(out, "");
    assert_contains(err, ":3002:5: job id \"j17\" again (first on line 19): "
                         "ids must differ\n");
    assert_int_equal(sim_text("dgx-h100", trace, "--spill-after 31K"), 2);
    assert_contains(err, "--spill-after '31K': want bytes from 32K");
}

/* A job id given twice is an error at the second, with both lines. */
static void sim_duplicate_ids(void **state)
{
    (void)state;
    static const char trace[] = "id,submit,duration,gpus\n"
                                "a,0,10,1\nb,0,10,1\n,0,10,1\n,0,10,1\n"
                                "b,5,10,1\na,6,10,1\n";
    assert_int_equal(sim_text("dgx-h100", trace, ""), 1);
    assert_string_equal(out, "");
    assert_contains(err, ":6:1: job id \"b\" again (first on line 3): ids "
                         "must differ\n");
}

/* --summary: found unwritable before the run; a bad --slowdown-bound and
 * --summary - are usage errors; a failed run leaves no summary file. */
static void sim_summary_errors(void **state)
{
    (void)state;
    static const char trace[] = "id,submit,duration,gpus\na,0,10,1\n";
    assert_int_equal(sim_text("dgx-h100", trace,
                              "--summary /nonexistent/dir/s.json"),
                     1);
    assert_contains(err, "--summary /nonexistent/dir/s.json: cannot write "
                         "there: No such file or directory\n");
    assert_string_equal(out, "");
    assert_int_equal(sim_text("dgx-h100", trace, "--summary -"), 2);
    assert_contains(err, "--summary -: want a file");
    assert_int_equal(sim_text("dgx-h100", trace, "--slowdown-bound 0"), 2);
    assert_contains(err, "--slowdown-bound '0': want seconds");
    assert_int_equal(sim_text("dgx-h100", trace, "--slowdown-bound nan"), 2);
    char sum[64], args[256];
    fmt(sum, sizeof sum, "/tmp/gs_sum_bad_%d.json", (int)getpid());
    unlink(sum);
    /* a user name with a blank: an error in the trace, exit 1 */
    static const char bad[] = "id,submit,duration,gpus,user\na,0,10,1,x y\n";
    fmt(args, sizeof args, "--summary %s", sum);
    assert_int_equal(sim_text("dgx-h100", bad, args), 1);
    assert_int_equal(access(sum, F_OK), -1);
}

/* sim: the pattern and comm_fraction columns, --comm-fraction (the cases
 * are worked by hand in the fixtures' comments) */
/* sim with shares and MIG: the trace's gpu_milli, gpu_mem, mig_profile,
 * cpus_per_gpu, mem_per_gpu and gpu_models columns. A DGX A100 whose GPU
 * 0 holds 3g.40gb twice and GPU 1 is dynamic (best-fit): a and b take GPU
 * 0's instances, c is made on GPU 1; d shares two of GPUs 2-7 at 0.5 each,
 * so f (6 whole GPUs) waits for d's end at 100; e names no MIG profile and
 * is refused (its column given, exit 3). Utilization by hand: 3/7 x 100 x
 * 2 (a, b) + 1/7 x 100 (c) + 2 x 0.5 x 100 (d) + 6 x 100 (f) = 800 GPU-s
 * of 8 GPUs x 200 s: 50.0%. */
static void sim_shares_and_mig(void **state)
{
    (void)state;
    char topo[64], jobs[64], args[512];
    static const char tj[] =
        "{\"nodes\": [{\"name\": \"m0\", \"template\": \"dgx-a100\", \"mig\": "
        "[\"3g.40gb,3g.40gb\", \"dynamic\", null, null, null, null, null, "
        "null]}]}";
    static const char csv[] =
        "id,submit,duration,gpus,gpu_milli,mig_profile,cpus_per_gpu,"
        "mem_per_gpu,gpu_models,gpu_mem\n"
        "a,0,100,1,,3g.40gb,2,4G,A100,\n"
        "b,0,100,1,,3g.40gb,,,,\n"
        "c,0,100,1,,1g.10gb,,,,\n"
        "d,0,100,2,500,,,,,8G\n"
        "e,0,100,1,,5g.50gb,,,,\n"
        "f,0,100,6,,,,,,\n";
    temp_file(topo, tj, sizeof tj - 1);
    temp_file(jobs, csv, sizeof csv - 1);
    fmt(args, sizeof args,
        "sim --topo %s --jobs %s --placement best-fit", topo, jobs);
    assert_int_equal(run2(args), 3);
    assert_contains(out, "a,0,0,100,m0,1,\nb,0,0,100,m0,1,\nc,0,0,100,m0,1,\n"
                         "d,0,0,100,m0,2,\n");
    assert_contains(out, "f,0,100,200,m0,6,\n");
    assert_contains(err, ":6:12: job e refused: job spec: mig_profile "
                         "\"5g.50gb\" is not a MIG profile");
    assert_contains(err, "GPU utilization 50.0%");
    /* bad values, at their column */
    static const struct {
        const char *row, *want;
    } bad[] = {
        {"x,0,10,1,2000,", ":2:10: bad gpu_milli \"2000\""},
        {"x,0,10,1,500,3g.40gb", ":2:14: a job asks for a MIG profile or a "
                                 "share (gpu_milli 500), not both"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char in[256];
        fmt(in, sizeof in, "id,submit,duration,gpus,gpu_milli,mig_profile\n%s\n",
            bad[i].row);
        char path[64];
        temp_file(path, in, strlen(in));
        fmt(args, sizeof args, "sim --topo %s --jobs %s", topo, path);
        assert_int_equal(run2(args), 1);
        assert_contains(err, bad[i].want);
        unlink(path);
    }
    unlink(topo);
    unlink(jobs);
}

static void sim_patterns(void **state)
{
    (void)state;
    assert_int_equal(sim_patterns_fixture("--comm-fraction 0.5"), 0);
    assert_string_equal(out, "id,submit,start,end,nodes,gpus,"
                             "reason_if_never_started\n"
                             "A,0,0,1000,dgx1-v100,3,\n"
                             "B,0,0,150,dgx1-v100,5,\n"
                             "C,0,150,350,dgx1-v100,5,\n"
                             "D,0,350,470,dgx1-v100,5,\"timeout\"\n"
                             "E,2000,2000,2100,dgx1-v100,5,\n");
    assert_contains(err, "\non their best set: 1 of 4 multi-GPU jobs "
                         "(25.0%)\n");
    assert_int_equal(sim_patterns_fixture("--comm-fraction 0.5 --json"), 0);
    json_doc doc;
    parse_json(&doc, out);
    const json_value *sum = json_member_get(doc.root, "summary")->value;
    assert_true(json_num(sum, "multi_gpu_jobs") == 4);
    assert_true(json_num(sum, "on_best_set") == 1);
    json_doc_free(&doc);
    /* without --comm-fraction only C's own comm_fraction (1) counts: C
     * runs 200 s, the others their duration */
    assert_int_equal(sim_patterns_fixture(""), 0);
    assert_contains(out, "B,0,0,100,dgx1-v100,5,\n"
                         "C,0,100,300,dgx1-v100,5,\n"
                         "D,0,300,400,dgx1-v100,5,\n");
    /* F by size: the 5-GPU chain jobs take the F of the largest size at
     * most 5; "2:0.25,5:0.5" is 0.5 for them (the times of 0.5 above),
     * "6:0.5" is 0 (C keeps its own 1) */
    assert_int_equal(sim_patterns_fixture("--comm-fraction 2:0.25,5:0.5"),
                     0);
    assert_contains(out, "B,0,0,150,dgx1-v100,5,\n"
                         "C,0,150,350,dgx1-v100,5,\n");
    assert_int_equal(sim_patterns_fixture("--comm-fraction 6:0.5"), 0);
    assert_contains(out, "B,0,0,100,dgx1-v100,5,\n"
                         "C,0,100,300,dgx1-v100,5,\n");
    static const char *const bad_sizes[] = {
        "--comm-fraction 2:0.1,2:0.2", "--comm-fraction 0:0.1",
        "--comm-fraction 2:1.5", "--comm-fraction 2:",
        "--comm-fraction a:0.1", "--comm-fraction 2:0.1,",
        ("--comm-fraction 1:0,2:0,3:0,4:0,5:0,6:0,7:0,8:0,9:0,10:0,11:0,"
         "12:0,13:0,14:0,15:0,16:0,17:0")};
    static const char *const bad_why[] = {
        "'2:0.1,2:0.2': entry 2: size 2 after 2: want the sizes rising",
        "entry 1: size \"0\": want a whole number of GPUs",
        "entry 1: fraction \"1.5\": want a number from 0 to 1",
        "entry 1: fraction \"\": want", "entry 1: size \"a\"",
        /* strtok drops the empty last entry: "2:0.1," is one entry */
        NULL, "at most 16 sizes"};
    for (size_t i = 0; i < sizeof bad_sizes / sizeof *bad_sizes; i++) {
        char args[1024];
        fmt(args, sizeof args, "sim --topo dgx1-v100 --jobs /dev/null %s",
            bad_sizes[i]);
        if (!bad_why[i]) {
            assert_int_equal(run2(args), 0);
            continue;
        }
        assert_int_equal(run2(args), 2);
        assert_contains(err, bad_why[i]);
    }
    /* --comm-fraction 0: the model's summary, and today's times */
    assert_int_equal(sim_patterns_fixture("--comm-fraction 0"), 0);
    assert_contains(out, "B,0,0,100,dgx1-v100,5,\n");
    assert_contains(err, "on their best set: 1 of 4");
    /* A ring job forced onto a bad set: first-fit gives A GPUs 0,1,2 and
     * B 3,4,5,6,7, where GPU 3's only NVLink goes to 7: every ring enters
     * or leaves 3 over PCIe, 6 GB/s each way, 12 GB/s in all. The best 5
     * GPUs carry 62 (place_patterns): B runs 120 x (0.5 + 0.5 x 62/12) =
     * 370 s. C (2 GPUs, 3 and 4 at 370: SYS, one ring of 6 GB/s; the best
     * pair is NV2, 50) runs 100 x (0.5 + 0.5 x 50/6) = 466.7, 467 s. */
    static const char ring[] = "id,submit,duration,gpus,pattern\n"
                               "A,0,1000,3,none\nB,0,120,5,ring\n"
                               "C,0,100,2,ring\n";
    assert_int_equal(sim_text("dgx1-v100", ring, "--ordering fifo "
                              "--comm-fraction 0.5 --placement first-fit"),
                     0);
    assert_contains(out, "A,0,0,1000,dgx1-v100,3,\n"
                         "B,0,0,370,dgx1-v100,5,\n"
                         "C,0,370,837,dgx1-v100,2,\n");
    assert_contains(err, "on their best set: 0 of 2 multi-GPU jobs");
    /* nvlink-pack's look-ahead, told the demand (--demand turns it on:
     * lookahead auto), keeps an all-NVLink 5-GPU ring free for B; without
     * a demand it is off by default, and A's GPUs leave B a set without
     * one */
    assert_int_equal(sim_text("dgx1-v100", ring, "--ordering fifo "
                              "--comm-fraction 0.5 --demand 5:ring"),
                     0);
    assert_contains(out, "B,0,0,120,dgx1-v100,5,\n");
    assert_int_equal(sim_text("dgx1-v100", ring, "--ordering fifo "
                              "--comm-fraction 0.5"),
                     0);
    assert_contains(out, "B,0,0,370,dgx1-v100,5,\n");
    assert_int_equal(sim_text("dgx1-v100", ring, "--ordering fifo "
                              "--comm-fraction 0.5 --demand 5:ring "
                              "--no-lookahead"),
                     0);
    assert_contains(out, "B,0,0,370,dgx1-v100,5,\n");
    assert_int_equal(sim_text("dgx1-v100", ring, "--numa strict --demand "
                              "5:ring,2:ring:2"),
                     0);
    /* a job over several nodes, none of which has that many GPUs: the
     * reference is two whole trays of the one NVLink domain (no switch:
     * one group), which is where it runs: factor 1, on its best set */
    assert_int_equal(sim_text("gb200-nvl72", "id,submit,duration,gpus,"
                              "pattern\nA,0,100,8,ring\n",
                              "--comm-fraction 1"),
                     0);
    assert_contains(out, "A,0,0,100,");
    assert_contains(out, "A,0,0,100,nvl72-tray01;nvl72-tray02,8,");
    assert_contains(err, "on their best set: 1 of 1 multi-GPU jobs");
    /* bad values in the trace: file:line:column */
    static const struct {
        const char *row, *want;
    } rows[] = {
        {"A,0,1,2,rng", ":2:9: bad pattern \"rng\" (want any, ring, "
                        "all-to-all, chain or none)"},
        {"A,0,1,2,ring,nan", ":2:14: bad comm_fraction \"nan\" (a number "
                             "from 0 to 1)"},
        {"A,0,1,2,ring,1.5", ":2:14: bad comm_fraction \"1.5\""},
        {"A,0,1,2,ring,-0", ":2:14: bad comm_fraction \"-0\""},
        {"A,0,1,2,ring,1e999", ":2:14: bad comm_fraction \"1e999\""},
        {"A,0,1,2,ring,0x1", ":2:14: bad comm_fraction \"0x1\""},
        {"A,0,1,2,ring,inf", ":2:14: bad comm_fraction \"inf\""},
    };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        char text[256];
        fmt(text, sizeof text,
            "id,submit,duration,gpus,pattern,comm_fraction\n%s\n",
            rows[k].row);
        int rc = sim_text("dgx1-v100", text, "");
        if (rc != 1 || *out || !strstr(err, rows[k].want))
            fail_msg("%s: rc %d, got '%s', want '%s'", rows[k].row, rc, err,
                     rows[k].want);
    }
    /* without a header the columns go on after constraint */
    assert_int_equal(sim_text("dgx1-v100", "A,0,10,,2,,,,,,,,ring,1\n", ""),
                     0);
    assert_contains(out, "A,0,0,10,dgx1-v100,2,\n");
    assert_contains(err, "on their best set: 1 of 1");
    /* --comm-fraction: a number from 0 to 1; --numa, --demand as place's */
    static const char *const bad[] = {
        "--comm-fraction nan",   "--comm-fraction -0.1",
        "--comm-fraction 1.5",   "--comm-fraction 1e999",
        "--comm-fraction 0x1",   "--comm-fraction ' 0.5'",
        "--comm-fraction ''",    "--comm-fraction inf",
        "--comm-fraction 1.0000001", "--comm-fraction -0",
        "--numa x",              "--demand 2:ring:0"};
    static const char *const why[] = {
        "--comm-fraction 'nan': want a number from 0 to 1",
        "--comm-fraction '-0.1': want", "--comm-fraction '1.5': want",
        "--comm-fraction '1e999': want", "--comm-fraction '0x1': want",
        "--comm-fraction ' 0.5': want", "--comm-fraction '': want",
        "--comm-fraction 'inf': want", "--comm-fraction '1.0000001': want",
        "--comm-fraction '-0': want",
        "--numa 'x': want prefer, strict or ignore",
        "--demand '2:ring:0': weight"};
    expect_usage_errors("sim", "--topo dgx1-v100 --jobs /dev/null", bad, why,
                        sizeof bad / sizeof bad[0]);
    /* a trace without the new columns and without the options: the
     * output is as before, no new summary line */
    assert_int_equal(run2("sim --topo dgx1-v100 --jobs /dev/null"), 0);
    assert_null(strstr(err, "best set"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(version_and_help),
        cmocka_unit_test(topo_show),
        cmocka_unit_test(topo_convert_roundtrip),
        cmocka_unit_test(templates_and_tour),
        cmocka_unit_test(place),
        cmocka_unit_test(share),
        cmocka_unit_test(sim_scenarios),
        cmocka_unit_test(help_everywhere),
        cmocka_unit_test(aliases),
        cmocka_unit_test(json_everywhere),
        cmocka_unit_test(standard_streams),
        cmocka_unit_test(outputs),
        cmocka_unit_test(input_limits),
        cmocka_unit_test(sim_numbers),
        cmocka_unit_test(sim_long_names),
        cmocka_unit_test(sim_partitions),
        cmocka_unit_test(state_show),
        cmocka_unit_test(topo_quality),
        cmocka_unit_test(place_patterns),
        cmocka_unit_test(place_shares),
        cmocka_unit_test(place_mig),
        cmocka_unit_test(sim_patterns),
        cmocka_unit_test(sim_metrics),
        cmocka_unit_test(sim_spill_same),
        cmocka_unit_test(sim_sums_in_trace_order),
        cmocka_unit_test(compare_messages_own_lines),
        cmocka_unit_test(sim_duplicate_ids_spilled),
        cmocka_unit_test(sim_cpu_jobs),
        cmocka_unit_test(sim_metrics_timeline),
        cmocka_unit_test(sim_metrics_random),
        cmocka_unit_test(sim_quiet_same),
        cmocka_unit_test(sim_duplicate_ids),
        cmocka_unit_test(sim_model_across_nodes),
        cmocka_unit_test(compare_runs),
        cmocka_unit_test(compare_errors),
        cmocka_unit_test(sim_summary_errors),
        cmocka_unit_test(sim_shares_and_mig),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
