/*
 * Loading a topology from a source: a built-in template or a file whose
 * format is detected from its content.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "topo_impl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

GS_API void gs_load_options_init(gs_load_options *opts)
{
    if (opts) {
        gs_load_options d = GS_LOAD_OPTIONS_INIT;
        *opts = d;
    }
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
    if ((unsigned)out->format > GS_FORMAT_JSON)
        return gs_errf(err, GS_EINVAL, "load options: unknown format %d",
                       (int)out->format);
    if (out->flags & ~GS_LOAD_NOFREEZE)
        return gs_errf(err, GS_EINVAL, "load options: unknown flags 0x%x",
                       out->flags & ~GS_LOAD_NOFREEZE);
    return GS_OK;
}

static gs_format detect(const char *data, size_t size)
{
    size_t i = 0;
    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' ||
                        data[i] == '\n'))
        i++;
    if (i < size && data[i] == '{')
        return GS_FORMAT_JSON;
    return GS_FORMAT_AUTO;
}

static gs_status parse_into(gs_topo *t, const char *data, size_t size,
                            const char *name, gs_format fmt)
{
    if (fmt == GS_FORMAT_AUTO)
        fmt = detect(data, size);
    switch (fmt) {
    case GS_FORMAT_JSON:
        return gs_topo_read_json(t, data, size, name);
    default:
        return gs_errf(&t->err, GS_EPARSE,
                       "%s:1:1: unrecognized format (expected gpusched JSON)",
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
    st = parse_into(t, data ? data : "", size, name ? name : "<buffer>",
                    o.format);
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
    if (stat(source, &sb) != 0 && gs_template_find(source, &is_cluster)) {
        st = load_template(t, source, is_cluster);
        return finish(t, st, &o);
    }
    char *data;
    size_t size;
    st = gs_read_file(source, &data, &size, &t->err);
    if (st != GS_OK) {
        if (errno == ENOENT)
            gs_errf(&t->err, st,
                    "%s: no such file, and no built-in template of that name "
                    "(gpusched topo templates lists them)",
                    source);
        return st;
    }
    st = parse_into(t, data, size, source, o.format);
    gs_free(data);
    return finish(t, st, &o);
}
