/* SCAFFOLD: replaced by the Slurm importer. */
#include "import.h"
gs_status gs_import_slurm_topology(gs_topo *t, const char *text, size_t len,
                                   const char *name, const gs_load_options *o)
{
    (void)text; (void)len; (void)o;
    return gs_errf(&t->err, GS_EUNSUPPORTED, "%s: Slurm import is not built yet", name);
}
gs_status gs_import_slurm_gres(gs_topo *t, const char *text, size_t len,
                               const char *name, const gs_load_options *o)
{
    (void)text; (void)len; (void)o;
    return gs_errf(&t->err, GS_EUNSUPPORTED, "%s: Slurm import is not built yet", name);
}
