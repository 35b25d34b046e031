/*
 * libFuzzer target for one input format (GS_FUZZ_FORMAT). Whatever the
 * input, loading must not crash, leak or trip a sanitizer; and whatever
 * loads must save as JSON that loads back to the same JSON.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <gpusched/gpusched.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gs_load_options o;
    gs_load_options_init(&o);
    o.format = (gs_format)GS_FUZZ_FORMAT;
    /* half of the inputs give Slurm's nodes some hardware */
    if (size && (data[size - 1] & 1))
        o.node_templates = "dgx-h100";
    gs_topo *t = NULL;
    gs_status st =
        gs_topo_load_buffer(&t, (const char *)data, size, "fuzz", &o);
    if (st == GS_OK) {
        char *j1 = NULL;
        size_t n1 = 0;
        if (gs_topo_to_json(t, &j1, &n1) == GS_OK) {
            gs_topo *u = NULL;
            if (gs_topo_load_buffer(&u, j1, n1, "saved", NULL) != GS_OK)
                abort(); /* what we write must load */
            char *j2 = NULL;
            if (gs_topo_to_json(u, &j2, NULL) != GS_OK || strcmp(j1, j2) != 0)
                abort(); /* and round-trip exactly */
            gs_free(j2);
            gs_topo_destroy(u);
            gs_free(j1);
        }
    } else if (t && !gs_topo_errmsg(t)[0] && st != GS_ENOMEM) {
        abort(); /* every failure explains itself */
    }
    gs_topo_destroy(t);
    return 0;
}
