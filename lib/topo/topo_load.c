/*
 * Loading a topology from a source: a built-in template or a file whose
 * format is detected from its content (or forced), dispatched to the JSON
 * reader or an importer.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "import/import.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char *const format_names[] = {
    "auto", "json", "smi", "hwloc", "slurm-topology", "slurm-gres"};

GS_API const char *gs_format_name(gs_format format)
{
    return (unsigned)format < GS_ARRAY_LEN(format_names)
               ? format_names[format]
               : NULL;
}

GS_API gs_status gs_format_from_name(const char *name, gs_format *format)
{
    if (!name || !format)
        return GS_EINVAL;
    for (size_t i = 0; i < GS_ARRAY_LEN(format_names); i++)
        if (strcmp(name, format_names[i]) == 0) {
            *format = (gs_format)i;
            return GS_OK;
        }
    return GS_ENOTFOUND;
}

GS_API void gs_load_options_init(gs_load_options *opts)
{
    if (opts) {
        gs_load_options d = GS_LOAD_OPTIONS_INIT;
        *opts = d;
    }
}

void gs_load_warn(const gs_load_options *o, const char *fmt, ...)
{
    if (!o || !o->warn)
        return;
    char msg[GS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    o->warn(o->warn_user, msg);
}

const char *gs_load_hostname(const gs_load_options *o)
{
    return o && o->hostname && *o->hostname ? o->hostname : "localhost";
}

static gs_status read_options(const gs_load_options *in, gs_load_options *out,
                              gs_err *err)
{
    gs_load_options_init(out);
    if (!in)
        return GS_OK;
    if (in->struct_size < offsetof(gs_load_options, flags) + sizeof in->flags)
        return gs_errf(err, GS_EINVAL,
                       "load options: struct_size %u is too small (initialize "
                       "them with gs_load_options_init)",
                       in->struct_size);
    size_t n = GS_MIN((size_t)in->struct_size, sizeof *out);
    memcpy(out, in, n);
    out->struct_size = sizeof *out;
    if (!gs_format_name(out->format))
        return gs_errf(err, GS_EINVAL, "load options: unknown format %d",
                       (int)out->format);
    if (out->flags & ~GS_LOAD_NOFREEZE)
        return gs_errf(err, GS_EINVAL, "load options: unknown flags 0x%x",
                       out->flags & ~GS_LOAD_NOFREEZE);
    if (out->hostname && *out->hostname &&
        gs_check_name("node", out->hostname, err) != GS_OK)
        return GS_EINVAL;
    return GS_OK;
}

/* ---- format detection -------------------------------------------------- */

/* Whether a line starts with word, case-insensitively. */
static bool line_starts_with(const char *line, size_t len, const char *word)
{
    size_t n = strlen(word);
    return len >= n && strncasecmp(line, word, n) == 0;
}

/* Content sniffing. A Slurm key counts when it starts the line or a
 * whitespace-separated token, case-insensitively, with optional blanks
 * before the '=' (Slurm allows "SwitchName = s0"). */
#define DETECT_SLURM_CONF ((gs_format)-1)

static bool key_at(const char *s, size_t len, const char *key)
{
    size_t n = strlen(key);
    if (len < n || strncasecmp(s, key, n) != 0)
        return false;
    size_t i = n;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i < len && s[i] == '=';
}

/* Whether the line holds `key=` as a token anywhere. */
static bool has_key(const char *s, size_t len, const char *key)
{
    for (size_t i = 0; i < len; i++)
        if ((i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t') &&
            key_at(s + i, len - i, key))
            return true;
    return false;
}

static gs_format detect(const char *data, size_t size)
{
    size_t i = 0;
    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < size && isspace((unsigned char)data[i]))
        i++;
    if (i < size && data[i] == '{')
        return GS_FORMAT_JSON;
    if (size - i >= 5 && (memcmp(data + i, "<?xml", 5) == 0 ||
                          memcmp(data + i, "<!DOC", 5) == 0 ||
                          memcmp(data + i, "<topo", 5) == 0))
        return GS_FORMAT_HWLOC_XML;
    /* slurm.conf keys that neither topology.conf nor gres.conf has. */
    static const char *const conf_keys[] = {
        "ClusterName",   "SlurmctldHost", "ControlMachine", "PartitionName",
        "SelectType",    "SchedulerType", "SlurmUser",      "GresTypes",
        "ProctrackType", "AuthType",      "SlurmdPort",     "StateSaveLocation"};
    static const char *const node_conf_keys[] = {
        "CPUs", "RealMemory", "Sockets", "CoresPerSocket", "ThreadsPerCore",
        "Boards", "State", "Gres", "Weight", "Feature", "Features"};
    bool slurm_conf = false, topo_include = false;
    /* Line-oriented formats: look at up to 200 lines. */
    const char *p = data, *end = data + size;
    for (int lines = 0; p < end && lines < 200; lines++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *s = p;
        bool indented = s < le && (*s == ' ' || *s == '\t');
        while (s < le && (*s == ' ' || *s == '\t' || *s == '\r'))
            s++;
        size_t len = (size_t)(le - s);
        if (len && *s != '#') {
            /* nvidia-smi: the header row starts (indented) with GPU0, or a
             * row starts with GPU0 and holds an X. */
            if (line_starts_with(s, len, "GPU0") &&
                (len == 4 || s[4] == ' ' || s[4] == '\t' || s[4] == '\r') &&
                (indented || memchr(s, 'X', len)))
                return GS_FORMAT_SMI;
            if (key_at(s, len, "SwitchName") || key_at(s, len, "BlockName") ||
                key_at(s, len, "BlockSizes") || key_at(s, len, "RingName"))
                return slurm_conf ? DETECT_SLURM_CONF
                                  : GS_FORMAT_SLURM_TOPOLOGY;
            if (key_at(s, len, "Name") || key_at(s, len, "AutoDetect"))
                return slurm_conf ? DETECT_SLURM_CONF : GS_FORMAT_SLURM_GRES;
            if (key_at(s, len, "NodeName")) {
                /* gres.conf lines name a GRES; slurm.conf lines describe
                 * the node's hardware. */
                if (has_key(s, len, "Name") || has_key(s, len, "File") ||
                    has_key(s, len, "AutoDetect") || has_key(s, len, "Type") ||
                    has_key(s, len, "Count"))
                    return slurm_conf ? DETECT_SLURM_CONF
                                      : GS_FORMAT_SLURM_GRES;
                for (size_t k = 0; k < GS_ARRAY_LEN(node_conf_keys); k++)
                    if (has_key(s, len, node_conf_keys[k]))
                        slurm_conf = true;
            }
            for (size_t k = 0; k < GS_ARRAY_LEN(conf_keys); k++)
                if (key_at(s, len, conf_keys[k]))
                    slurm_conf = true;
            if (line_starts_with(s, len, "include") &&
                (len == 7 || s[7] == ' ' || s[7] == '\t'))
                topo_include = true;
        }
        p = nl ? nl + 1 : end;
    }
    if (slurm_conf)
        return DETECT_SLURM_CONF;
    /* A file of nothing but include lines: Slurm's topology.conf can be
     * one (the importer warns that includes are not followed). */
    if (topo_include)
        return GS_FORMAT_SLURM_TOPOLOGY;
    return GS_FORMAT_AUTO;
}

static gs_status parse_into(gs_topo *t, const char *data, size_t size,
                            const char *name, const gs_load_options *o)
{
    gs_format fmt = o->format;
    if (fmt == GS_FORMAT_AUTO)
        fmt = detect(data, size);
    if (fmt == DETECT_SLURM_CONF)
        return gs_errf(&t->err, GS_EPARSE,
                       "%s:1:1: this looks like slurm.conf, which gpusched "
                       "does not read: give Slurm's topology.conf or "
                       "gres.conf (or --format to force one)",
                       name);
    switch (fmt) {
    case GS_FORMAT_JSON:
        return gs_topo_read_json(t, data, size, name);
    case GS_FORMAT_SMI:
        return gs_import_smi(t, data, size, name, o);
    case GS_FORMAT_HWLOC_XML:
        return gs_import_hwloc_xml(t, data, size, name, o);
    case GS_FORMAT_SLURM_TOPOLOGY:
        return gs_import_slurm_topology(t, data, size, name, o);
    case GS_FORMAT_SLURM_GRES:
        return gs_import_slurm_gres(t, data, size, name, o);
    default:
        return gs_errf(&t->err, GS_EPARSE,
                       "%s:1:1: unrecognized format (expected gpusched JSON, "
                       "nvidia-smi topo -m text, hwloc XML, or Slurm's "
                       "topology.conf or gres.conf; --format forces one)",
                       name);
    }
}

static gs_status finish(gs_topo *t, gs_status st, const gs_load_options *o)
{
    if (st == GS_OK && !(o->flags & GS_LOAD_NOFREEZE))
        st = gs_topo_freeze(t);
    return st;
}

GS_API gs_status gs_topo_load_buffer(gs_topo **out, const char *data,
                                     size_t size, const char *name,
                                     const gs_load_options *opts)
{
    if (!out)
        return GS_EINVAL;
    gs_status st = gs_topo_create(out);
    if (st != GS_OK)
        return st;
    gs_topo *t = *out;
    gs_load_options o;
    if ((st = read_options(opts, &o, &t->err)) != GS_OK)
        return st;
    if (!data && size)
        return gs_errf(&t->err, GS_EINVAL, "data is NULL");
    st = parse_into(t, data ? data : "", size, name ? name : "<buffer>", &o);
    return finish(t, st, &o);
}

static gs_status load_template(gs_topo *t, const char *name, int is_cluster)
{
    if (is_cluster) {
        const char *json = gs_template_find(name, NULL);
        char src[300];
        snprintf(src, sizeof src, "template:%s", name);
        return gs_topo_read_json(t, json, strlen(json), src);
    }
    return gs_topo_add_template_node(t, name, name, NULL);
}

GS_API gs_status gs_topo_load(gs_topo **out, const char *source,
                              const gs_load_options *opts)
{
    if (!out)
        return GS_EINVAL;
    gs_status st = gs_topo_create(out);
    if (st != GS_OK)
        return st;
    gs_topo *t = *out;
    gs_load_options o;
    if ((st = read_options(opts, &o, &t->err)) != GS_OK)
        return st;
    if (!source || !*source)
        return gs_errf(&t->err, GS_EINVAL, "no topology source given");
    struct stat sb;
    int is_cluster = 0;
    if (stat(source, &sb) != 0) {
        if (gs_template_find(source, &is_cluster))
            return finish(t, load_template(t, source, is_cluster), &o);
        if (strcmp(source, "hwloc") == 0)
            return finish(t, gs_import_hwloc_live(t, &o), &o);
    }
    char *data;
    size_t size;
    errno = 0;
    st = gs_read_file(source, &data, &size, o.max_input_bytes, &t->err);
    if (st != GS_OK) {
        /* only a file that could not be opened is "missing": errno is
         * stale after other failures (a limit reached is GS_ERANGE) */
        if (st == GS_EIO && errno == ENOENT)
            gs_errf(&t->err, st,
                    "%s: no such file, and no built-in template of that name "
                    "(gpusched topo templates lists them)",
                    source);
        return st;
    }
    st = parse_into(t, data, size, source, &o);
    gs_free(data);
    return finish(t, st, &o);
}

GS_API gs_status gs_topo_load_hwloc(gs_topo **out, const char *xml_path,
                                    const gs_load_options *opts)
{
    if (!out)
        return GS_EINVAL;
    gs_load_options o;
    gs_load_options_init(&o);
    if (opts) {
        size_t n = GS_MIN((size_t)opts->struct_size, sizeof o);
        memcpy(&o, opts, n);
        o.struct_size = sizeof o;
    }
    if (!xml_path) {
        gs_status st = gs_topo_create(out);
        if (st != GS_OK)
            return st;
        gs_load_options chk;
        if ((st = read_options(&o, &chk, &(*out)->err)) != GS_OK)
            return st;
        return finish(*out, gs_import_hwloc_live(*out, &chk), &chk);
    }
    o.format = GS_FORMAT_HWLOC_XML;
    return gs_topo_load(out, xml_path, &o);
}
