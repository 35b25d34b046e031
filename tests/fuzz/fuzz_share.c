/*
 * libFuzzer targets for the fair-share readers: a usage CSV
 * (GS_FUZZ_SHARE_USAGE) or an accounts / scheduler configuration document
 * (otherwise). Whatever the input: no crash, no leak, a failed load
 * explains itself and changes nothing, and computing either algorithm
 * afterwards ends with every factor a number in [0, 1].
 * SPDX-License-Identifier: Apache-2.0
 */
#include <gpusched/gpusched.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_factors(gs_share *sh)
{
    for (int algo = 0; algo < 2; algo++) {
        if (gs_share_compute(sh, (gs_fairshare_algo)algo, 1e6) != GS_OK)
            abort();
        for (size_t i = 0; i < gs_share_row_count(sh); i++) {
            gs_share_row r;
            memset(&r, 0, sizeof r);
            r.struct_size = sizeof r;
            if (gs_share_row_get(sh, i, &r) != GS_OK)
                abort();
            if (!(r.factor >= 0 && r.factor <= 1) || r.norm_usage != r.norm_usage)
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gs_share *sh = NULL;
    if (gs_share_create(&sh) != GS_OK)
        return 0;
    gs_share_add_account(sh, "base", NULL, 2);
    gs_share_add_user(sh, "u0", "base", 1);
    gs_share_set_usage(sh, "u0", "base", 1e30, 0);
    size_t before = gs_share_row_count(sh);
#ifdef GS_FUZZ_SHARE_USAGE
    gs_status st = gs_share_load_usage(sh, (const char *)data, size, "fuzz");
#else
    gs_status st = gs_share_load_accounts(sh, (const char *)data, size, "fuzz");
#endif
    if (st != GS_OK && (gs_share_row_count(sh) != before ||
                        (st != GS_ENOMEM && !gs_share_errmsg(sh)[0])))
        abort();
    check_factors(sh);
    gs_share_destroy(sh);
#ifndef GS_FUZZ_SHARE_USAGE
    /* the same document as a scheduler configuration */
    gs_topo *t = NULL;
    gs_sched *s = NULL;
    if (gs_topo_load(&t, "dgx-h100", NULL) == GS_OK &&
        gs_sched_create(&s, t, NULL) == GS_OK) {
        gs_sched_configure(s, (const char *)data, size, "fuzz");
        gs_job_spec spec;
        gs_job_spec_init(&spec);
        spec.gpus = 2;
        spec.user = "u0";
        spec.time_limit = 100;
        gs_sched_submit(s, &spec, NULL);
        gs_sched_submit(s, &spec, NULL);
        if (gs_sched_step(s, 10, NULL) != GS_OK ||
            gs_sched_check(s) != GS_OK)
            abort();
        check_factors(gs_sched_share(s));
    }
    gs_sched_destroy(s);
    gs_topo_destroy(t);
#endif
    return 0;
}
