#include <gpusched/gpusched.h>
#include <stdio.h>

int main(void)
{
    gs_topo *topo = NULL;
    if (gs_topo_load(&topo, "dgx1-v100", NULL) != GS_OK) {
        fprintf(stderr, "%s\n", gs_topo_errmsg(topo));
        gs_topo_destroy(topo);
        return 1;
    }
    uint32_t quad[] = {0, 1, 2, 3}, split[] = {0, 1, 4, 5};
    double q_quad, q_split;
    gs_topo_quality(topo, quad, 4, &q_quad);
    gs_topo_quality(topo, split, 4, &q_split);
    printf("%u GPUs; GPU0-GPU3: %g GB/s\n", gs_topo_gpu_count(topo),
           gs_topo_bandwidth(topo, 0, 3));
    printf("Q{0,1,2,3} = %g, Q{0,1,4,5} = %g\n", q_quad, q_split);
    gs_topo_destroy(topo);
    return 0;
}
