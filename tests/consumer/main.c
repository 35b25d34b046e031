/* A consumer of the installed library: checks header and library agree. */
#include <gpusched/gpusched.h>
#include <stdio.h>

int main(void)
{
    if (gs_version() != GS_VERSION_NUMBER) {
        fprintf(stderr, "header %s, library %s\n", GS_VERSION_STRING,
                gs_version_string());
        return 1;
    }
    gs_topo *t = NULL;
    gs_status st = gs_topo_load(&t, "dgx-h100", NULL);
    if (st != GS_OK || gs_topo_gpu_count(t) != 8) {
        fprintf(stderr, "load: %s\n", gs_topo_errmsg(t));
        gs_topo_destroy(t);
        return 1;
    }
    printf("consumer ok: gpusched %s, %u GPUs\n", gs_version_string(),
           gs_topo_gpu_count(t));
    gs_topo_destroy(t);
    return 0;
}
