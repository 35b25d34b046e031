/* SCAFFOLD: replaced by the hwloc importer. */
#include "import.h"
gs_status gs_import_hwloc_xml(gs_topo *t, const char *text, size_t len,
                              const char *name, const gs_load_options *o)
{
    (void)text; (void)len; (void)o;
    return gs_errf(&t->err, GS_EUNSUPPORTED, "%s: hwloc import is not built yet", name);
}
gs_status gs_import_hwloc_live(gs_topo *t, const gs_load_options *o)
{
    (void)o;
    return gs_errf(&t->err, GS_EUNSUPPORTED, "hwloc import is not built yet");
}
