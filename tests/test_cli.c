/*
 * The gpusched command-line tool: exit codes, output, error messages.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <stdlib.h>
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
}

static void place(void **state)
{
    (void)state;
    /* the DGX-1 V100 cases, through the command line */
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
        {"--busy 0-3 --gpus 2 --json", "{\"gpus\": [4, 7], \"quality\": 50}\n",
         0},
        {"--gpus 2 --policy first-fit", "0,1\n", 0},
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
    assert_non_null(strstr(out, "3 GPUs required but the job asks for 2"));
    assert_int_equal(run("place --topo dgx1-v100 --free 0,1 --gpus 3", out,
                         sizeof out),
                     3);
    assert_non_null(strstr(out, "needs 3 GPUs"));
    assert_int_equal(run("place --topo dgx1-v100 --free 0,1 --gpus 3 --json "
                         "2>/dev/null",
                         out, sizeof out),
                     3);
    assert_non_null(strstr(out, "{\"gpus\": [], \"quality\": 0, \"reason\": "));
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
    assert_int_equal(run("place --topo dgx1-v100 --gpus 2 --policy nope", out,
                         sizeof out),
                     2);
    assert_non_null(strstr(out, "nvlink-pack"));
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
    /* the easy-backfill scenario (worked in test_order.c): D runs
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
