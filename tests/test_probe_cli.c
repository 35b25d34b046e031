/*
 * gpusched probe and gpusched tour, run as a user would, against the fake
 * driver libraries (the environment names them) and the scripted machines
 * of tests/data/probe. Expected values come from the scripts by hand.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char out[65536];

/* Run the tool with the fakes (unless env says otherwise); stdout and
 * stderr together. */
static int run(const char *env, const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "env GPUSCHED_CUDA_LIBRARY='%s' GPUSCHED_NVML_LIBRARY='%s' "
             "GPUSCHED_FAKE_MACHINE='%s/probe/dgx1-v100.machine' %s '%s' %s "
             "2>&1",
             GS_FAKE_CUDA, GS_FAKE_NVML, GS_TEST_DATA_DIR, env ? env : "",
             GS_TOOL_PATH, args);
    return test_run_command(cmd, out, sizeof out);
}

static void assert_contains(const char *needle)
{
    if (!strstr(out, needle))
        fail_msg("\"%s\" not found in:\n%s", needle, out);
}

#define XML "--hwloc-xml '" GS_TEST_DATA_DIR "/probe/dgx1-v100.xml'"
#define MACHINE(name) \
    "GPUSCHED_FAKE_MACHINE='" GS_TEST_DATA_DIR "/probe/" name "'"

static void dgx1(void **state)
{
    (void)state;
    if (!GS_HAVE_HWLOC_BUILD)
        skip();
    assert_int_equal(run(NULL, "probe --hostname dgx1 " XML), 0);
    assert_contains("This machine (dgx1): 8 GPUs, 2 NUMA domains, 80 CPUs");
    assert_contains("CUDA 12.4, 8 devices");
    assert_contains("8 devices, driver 550.54.15");
    /* the matrix, cell by cell, against the script's nvlink and pcie-row
     * lines */
    static const char *const want[8][8] = {
        {"X", "NV1", "NV1", "NV2", "NV2", "SYS", "SYS", "SYS"},
        {"NV1", "X", "NV2", "NV1", "SYS", "NV2", "SYS", "SYS"},
        {"NV1", "NV2", "X", "NV2", "SYS", "SYS", "NV1", "SYS"},
        {"NV2", "NV1", "NV2", "X", "SYS", "SYS", "SYS", "NV1"},
        {"NV2", "SYS", "SYS", "SYS", "X", "NV1", "NV1", "NV2"},
        {"SYS", "NV2", "SYS", "SYS", "NV1", "X", "NV2", "NV1"},
        {"SYS", "SYS", "NV1", "SYS", "NV1", "NV2", "X", "NV2"},
        {"SYS", "SYS", "SYS", "NV1", "NV2", "NV1", "NV2", "X"}};
    char cells[64][8];
    const char *m = strstr(out, "\tGPU0\tGPU1");
    assert_non_null(m);
    assert_int_equal(test_parse_smi_cells(m, cells, 8), 8);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++)
            assert_string_equal(cells[i * 8 + j], want[i][j]);
    assert_contains("GPU0\t X \tNV1\tNV1\tNV2\tNV2\tSYS\tSYS\tSYS\t"
                    "0-19,40-59\t0\n");
    /* the attributes */
    assert_contains("0    Tesla V100-SXM2-32GB     32 GiB   7.0  80   "
                    "0000:06:00.0  0    6         -    "
                    "GPU-07a3c5e1-4b2d-4f6a-9c8e-1d2f3a4b5c60\n");
    assert_contains("7    Tesla V100-SXM2-32GB     32 GiB   7.0  80   "
                    "0000:8a:00.0  1    6");
    /* P2P: GPU0-GPU5 has no access (p2p line), rank 1 */
    assert_contains("GPU0\t X \tOK+A/0\tOK+A/0\tOK+A/0\tOK+A/0\tNS/1\tNS/1\t"
                    "NS/1\n");

    /* with the sources */
    assert_int_equal(run(NULL, "probe --source " XML), 0);
    assert_contains("GPU0\t X \tNV1n\tNV1n\tNV2n\tNV2n\tSYSn\tSYSn\tSYSn\t");
    assert_contains("attributes d, NUMA h, links n");
    /* without NVML the levels come from hwloc */
    assert_int_equal(run(NULL, "probe --source --no-nvml " XML), 0);
    assert_contains("GPU0\t X \tPIXh\tNODEh\tNODEh\tSYSh\tSYSh\tSYSh\tSYSh\t");
    assert_contains("attributes d, NUMA h, links *");
}

static void json(void **state)
{
    (void)state;
    char path[] = "/tmp/gs-probe-json-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char args[512];
    snprintf(args, sizeof args, "probe --json --no-hwloc --hostname n1 > '%s'",
             path);
    assert_int_equal(run(NULL, args), 0);
    gs_topo *t = NULL;
    gs_status st = gs_topo_load(&t, path, NULL);
    if (st != GS_OK)
        fail_msg("%s", gs_topo_errmsg(t));
    assert_string_equal(gs_topo_node_name(t, 0), "n1");
    assert_int_equal(gs_topo_gpu_count(t), 8);
    gs_link_info l;
    gs_link_info_init(&l);
    assert_int_equal(gs_topo_link(t, 0, 3, &l), GS_OK);
    assert_int_equal(l.nvlinks, 2);
    assert_int_equal(l.source, GS_SOURCE_NVML);
    gs_topo_destroy(t);
    unlink(path);
}

static void exit_codes(void **state)
{
    (void)state;
    /* no driver: 3 */
    assert_int_equal(
        run("GPUSCHED_CUDA_LIBRARY=/nonexistent/libcuda.so.1", "probe"), 3);
    assert_contains("gpusched probe: no GPU found: /nonexistent/libcuda.so.1 "
                    "not found");
    assert_contains("CUDA driver  not found  ");
    /* and what to do next (issue 11) */
    assert_contains("What next:\n"
                    "  gpusched probe --partial      this machine as hwloc "
                    "sees it, without the driver\n"
                    "  gpusched topo templates       the built-in machines "
                    "and clusters\n"
                    "  gpusched topo show dgx-h100   one of them\n"
                    "  gpusched topo show FILE       a file (nvidia-smi topo "
                    "-m, lstopo .xml, JSON)\n");
    /* --partial was tried already: not suggested again */
    assert_int_equal(run("GPUSCHED_CUDA_LIBRARY=/nonexistent/libcuda.so.1",
                         "probe --partial --no-hwloc"),
                     3);
    assert_contains("What next:\n  gpusched topo templates");
    assert_null(strstr(out, "gpusched probe --partial"));
    /* the suggestions work: a template shows a machine */
    assert_int_equal(run(NULL, "topo show dgx-h100 >/dev/null"), 0);
    /* no device: 3 */
    assert_int_equal(run(MACHINE("no-device.machine"), "probe --no-hwloc"), 3);
    assert_contains("CUDA_ERROR_NO_DEVICE");
    /* too old, or failing: 4 */
    assert_int_equal(run(MACHINE("old-driver.machine"), "probe --no-hwloc"), 4);
    assert_contains("gpusched probe: the CUDA driver cannot be used: ");
    assert_contains("older than the 10.0 the probe needs");
    assert_contains("What next:\n  nvidia-smi                    check that "
                    "the driver works\n  gpusched probe --partial");
    assert_int_equal(
        run(MACHINE("fail-not-initialized.machine"), "probe --no-hwloc"), 4);
    assert_contains("CUDA_ERROR_NOT_INITIALIZED");
    /* arguments */
    assert_int_equal(run(NULL, "probe --bogus"), 2);
    assert_string_equal(out, "gpusched probe: unknown option '--bogus'\n"
                             "try 'gpusched probe --help'\n");
    assert_int_equal(run(NULL, "probe --cuda-library"), 2);
    assert_int_equal(run(NULL, "probe --help"), 0);
    assert_contains("Exit status: 0 GPUs found, 3 no GPU");
    /* the output: checked before the probe, a write error fails it */
    assert_int_equal(run(NULL, "probe --no-hwloc --out /nonexistent-dir/x"),
                     1);
    assert_contains("--out /nonexistent-dir/x: cannot write there: No such "
                    "file or directory");
    assert_int_equal(run(NULL, "probe --no-hwloc --out /dev/full"), 1);
    assert_contains("gpusched probe: /dev/full: write error: No space left on "
                    "device");
    /* an --hwloc-xml that cannot be read: 1, whatever the driver says
     * (it was 3 without a driver, which --help does not say) */
    assert_int_equal(run("GPUSCHED_CUDA_LIBRARY=/nonexistent/libcuda.so.1",
                         "probe --hwloc-xml /nonexistent-dir/x.xml"),
                     1);
    assert_contains("gpusched probe: /nonexistent-dir/x.xml: No such file or "
                    "directory\n");
    assert_contains("CUDA driver  not used   not tried: the hwloc export "
                    "cannot be read\n");
    assert_contains("hwloc        failed     /nonexistent-dir/x.xml: No such "
                    "file or directory\n");
    assert_int_equal(run(NULL, "probe --hwloc-xml /nonexistent-dir/x.xml"), 1);
    assert_int_equal(run(NULL, "probe --partial --hwloc-xml "
                               "/nonexistent-dir/x.xml"),
                     1);
    /* unless hwloc is not used */
    assert_int_equal(run(NULL, "probe --no-hwloc --hwloc-xml "
                               "/nonexistent-dir/x.xml >/dev/null"),
                     0);
    /* a vanished device is a warning, the rest is found */
    assert_int_equal(run(MACHINE("vanish.machine"), "probe --no-hwloc"), 0);
    assert_contains("warning: probe: CUDA device 3 vanished");
    assert_contains("1 device vanished before they could be read");
    assert_int_equal(run(MACHINE("vanish.machine"), "probe --no-hwloc --quiet"),
                     0);
    assert_null(strstr(out, "warning"));
    /* CUDA_VISIBLE_DEVICES is reported */
    assert_int_equal(run("CUDA_VISIBLE_DEVICES=1,GPU-9,3", "probe --no-hwloc"),
                     0);
    assert_contains("CUDA_VISIBLE_DEVICES=\"1,GPU-9,3\": 1 entry taken, CUDA "
                    "stops at entry 1; the machine has 8 GPUs");
    assert_contains("This machine (");
    assert_contains("): 1 GPU, 0 NUMA domains, 0 CPUs");
}

static void partial(void **state)
{
    (void)state;
    if (!GS_HAVE_HWLOC_BUILD)
        skip();
    /* --partial shows hwloc's view, and still exits 3: no GPU from the
     * driver */
    assert_int_equal(run(MACHINE("no-device.machine"), "probe --partial " XML),
                     3);
    assert_contains("No usable CUDA driver (cuInit: CUDA_ERROR_NO_DEVICE: no "
                    "CUDA-capable device is detected): this is what hwloc "
                    "alone sees.");
    assert_contains("GPU0\t X \tPIX\tNODE\tNODE\tSYS\tSYS\tSYS\tSYS\t");
    assert_contains("0    ?                        ?        ?    ?    "
                    "0000:06:00.0  0");
    /* the export on standard input */
    assert_int_equal(run(MACHINE("no-device.machine"),
                         "probe --partial --hwloc-xml - < '" GS_TEST_DATA_DIR
                         "/probe/dgx1-v100.xml'"),
                     3);
    assert_contains("GPU0\t X \tPIX\tNODE\tNODE\tSYS\tSYS\tSYS\tSYS\t");
}

static void tour(void **state)
{
    (void)state;
    if (!GS_HAVE_HWLOC_BUILD)
        skip();
    /* with GPUs: this machine first (hwloc reads the live machine, which
     * does not have these bus ids: NUMA unknown) */
    assert_int_equal(run(NULL, "tour"), 0);
    assert_contains("1. This machine (gpusched probe");
    assert_contains("   8 GPUs found:");
    assert_contains("GPU0\t X \tNV1\tNV1\tNV2\tNV2\tSYS\tSYS\tSYS\t");
    /* Q{0,1,2,3} = 25 + 25 + 50 + 50 + 25 + 50 (pairs 01 02 03 12 13 23) */
    assert_contains("Best 4 of its GPUs: {0,1,2,3} Q=225 GB/s");
    assert_contains("The rest of the tour uses a built-in topology, "
                    "dgx1-v100");
    assert_contains("4 GPUs: best {0,1,2,3} Q=225");
    /* without: the reason, then the built-in topology */
    assert_int_equal(
        run("GPUSCHED_CUDA_LIBRARY=/nonexistent/libcuda.so.1", "tour"), 0);
    assert_contains("   No GPU found here: /nonexistent/libcuda.so.1 not found "
                    "(no such file).\n   The tour goes on with a built-in "
                    "topology, dgx1-v100.");
    assert_contains("2. A built-in topology: dgx1-v100");
    assert_contains("4 GPUs: best {0,1,2,3} Q=225");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dgx1),
        cmocka_unit_test(json),
        cmocka_unit_test(exit_codes),
        cmocka_unit_test(partial),
        cmocka_unit_test(tour),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
