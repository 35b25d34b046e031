/*
 * The fair-share readers' invariants, for any input: a usage CSV (usage)
 * or an accounts / scheduler configuration document. No crash, no leak, a
 * failed load explains itself and changes nothing, and computing either
 * algorithm afterwards ends with every factor a number in [0, 1]. Used by
 * the libFuzzer targets fuzz_usage and fuzz_accounts and by the replay of
 * tests/data/fuzz-regressions/{usage,accounts} (aborts on a broken one).
 * SPDX-License-Identifier: Apache-2.0
 */
#include "share_check.h"

#include <gpusched/gpusched.h>

#include <stdlib.h>
#include <string.h>

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

void gs_share_check_one(const uint8_t *data, size_t size, bool usage)
{
    gs_share *sh = NULL;
    if (gs_share_create(&sh) != GS_OK)
        return;
    gs_share_add_account(sh, "base", NULL, 2);
    gs_share_add_user(sh, "u0", "base", 1);
    gs_share_set_usage(sh, "u0", "base", 1e30, 0);
    size_t before = gs_share_row_count(sh);
    gs_status st =
        usage ? gs_share_load_usage(sh, (const char *)data, size, "fuzz")
              : gs_share_load_accounts(sh, (const char *)data, size, "fuzz");
    if (st != GS_OK && (gs_share_row_count(sh) != before ||
                        (st != GS_ENOMEM && !gs_share_errmsg(sh)[0])))
        abort();
    check_factors(sh);
    gs_share_destroy(sh);
    if (usage)
        return;
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
}
