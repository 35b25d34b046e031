/*
 * Replays the saved fuzzer inputs (tests/data/fuzz-regressions/<format>/)
 * with the fuzz targets' invariants.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <stdlib.h>

static void check_one(const char *path, gs_format fmt)
{
    size_t len = 0;
    char *text = test_read_file(path, &len);
    assert_non_null(text);
    /* exactly the file's bytes, as the fuzzer gives them: a read past the
     * end must not land on test_read_file's NUL */
    char *data = malloc(len ? len : 1);
    assert_non_null(data);
    memcpy(data, text, len);
    free(text);
    for (int templ = 0; templ < 2; templ++) {
        gs_load_options o;
        gs_load_options_init(&o);
        o.format = fmt;
        o.node_templates = templ ? "dgx-h100" : NULL;
        gs_topo *t = NULL;
        gs_status st = gs_topo_load_buffer(&t, data, len, "fuzz", &o);
        if (st == GS_OK) {
            char *j1, *j2;
            size_t n1;
            assert_int_equal(gs_topo_to_json(t, &j1, &n1), GS_OK);
            gs_topo *u = NULL;
            if (gs_topo_load_buffer(&u, j1, n1, "saved", NULL) != GS_OK)
                fail_msg("%s: saved JSON does not load: %s", path,
                         gs_topo_errmsg(u));
            assert_int_equal(gs_topo_to_json(u, &j2, NULL), GS_OK);
            assert_string_equal(j1, j2);
            gs_free(j1);
            gs_free(j2);
            gs_topo_destroy(u);
        } else if (!gs_topo_errmsg(t)[0]) {
            fail_msg("%s: %s without a message", path, gs_status_name(st));
        }
        gs_topo_destroy(t);
    }
    free(data);
}

static void check_file(const char *path, void *user)
{
    check_one(path, *(const gs_format *)user);
}

static void replay_all(void **state)
{
    (void)state;
    static const char *dirs[] = {"json", "smi", "hwloc", "slurm_topology",
                                 "slurm_gres"};
    static const gs_format fmts[] = {GS_FORMAT_JSON, GS_FORMAT_SMI,
                                     GS_FORMAT_HWLOC_XML,
                                     GS_FORMAT_SLURM_TOPOLOGY,
                                     GS_FORMAT_SLURM_GRES};
    int count = 0;
    for (size_t k = 0; k < 5; k++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/fuzz-regressions/%s", GS_TEST_DATA_DIR,
                 dirs[k]);
        gs_format fmt = fmts[k];
        int n = test_for_each_file(dir, check_file, &fmt);
        count += n > 0 ? n : 0;
    }
    assert_true(count >= 1);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {cmocka_unit_test(replay_all)};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    return test_alloc_stats_get().live_blocks ? 1 : rc;
}
