/* SCAFFOLD: replaced by the nvidia-smi importer. */
#include "import.h"
gs_status gs_import_smi(gs_topo *t, const char *text, size_t len,
                        const char *name, const gs_load_options *o)
{
    (void)text; (void)len; (void)o;
    return gs_errf(&t->err, GS_EUNSUPPORTED, "%s: nvidia-smi import is not built yet", name);
}
