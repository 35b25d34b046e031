/*
 * Slurm's topology.conf (tree and block forms) and gres.conf (GPU lines),
 * read into a topology through the builder API.
 *
 * Both files share Slurm's configuration syntax (src/common/parse_config.c
 * in Slurm, topology.conf(5), gres.conf(5)): Key=Value pairs separated by
 * white space, keys case-insensitive, '#' to the end of the line a comment
 * unless escaped as "\#", a line ending in an odd number of backslashes
 * continued on the next (joined as is, without a space), a backslash
 * escaping the next character, values optionally in double quotes. One
 * reader handles that syntax and keeps, for every character of a logical
 * line, the line and column it came from, so that every message says
 * file:line:column even across continuation lines.
 *
 * What each file means, what is inferred and what is skipped is in
 * docs/formats.md; the comments below say why where it is not obvious.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "import/import.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Bounds that keep a hostile file from asking for unbounded memory or time;
 * the largest real clusters are far below them. */
#define SLURM_MAX_NODES (1u << 18)
#define SLURM_MAX_GPUS (1u << 21)
#define SLURM_MAX_TEMPLATE_NAMES (1u << 20)
/* Names all the hostlists of one file may expand to, every listing
 * counted (a node under two leaf switches counts twice): without it, a
 * few lines repeating Nodes=n[0-262143] cost minutes, and lines naming
 * every switch of a fat tree made the cycle check quadratic. */
#define SLURM_MAX_NAMES (1u << 22)
/* GPU pairs (link cells, 8 bytes each) the distinct nodes of a gres.conf
 * may build, n x n for a node of n GPUs: 256 MiB. 2048 one-line nodes of
 * 1024 GPUs would build 16 GiB; nodes named on the same lines share. */
#define SLURM_MAX_CELLS (UINT64_C(1) << 25)

/* ==== the configuration syntax ========================================== */

typedef struct spos {
    uint32_t line, col;
} spos;

/* One Key=Value pair: offsets into the logical line. */
typedef struct skv {
    size_t key, key_len;
    size_t val, val_len;
    size_t eq;
} skv;

typedef struct sreader {
    const char *text;
    size_t len, at;
    uint32_t line; /* physical line of text[at], from 1 */
    const char *name;
    gs_topo *t;
    const gs_load_options *o;
    /* the logical line, and where each of its characters came from */
    char *buf;
    spos *pos;
    size_t n, cap;
    spos start;
    skv *kv;
    size_t n_kv, cap_kv;
    size_t names_left; /* of SLURM_MAX_NAMES */
} sreader;

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.';
}

static void reader_free(sreader *r)
{
    gs_free(r->buf);
    gs_free(r->pos);
    gs_free(r->kv);
}

/* Where character i of the logical line came from; past the end, the
 * column after the last character. */
static spos pos_at(const sreader *r, size_t i)
{
    if (i < r->n)
        return r->pos[i];
    if (r->n)
        return (spos){r->pos[r->n - 1].line, r->pos[r->n - 1].col + 1};
    return r->start;
}

static gs_status perr_pos(sreader *r, spos p, gs_status st, const char *fmt,
                          ...) GS_PRINTF(4, 5);
static gs_status perr_pos(sreader *r, spos p, gs_status st, const char *fmt,
                          ...)
{
    char what[GS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return gs_errf(&r->t->err, st, "%s:%u:%u: %s", r->name, p.line, p.col,
                   what);
}

/* A parse error at character i of the current logical line. */
static gs_status perr(sreader *r, size_t i, const char *fmt, ...)
    GS_PRINTF(3, 4);
static gs_status perr(sreader *r, size_t i, const char *fmt, ...)
{
    char what[GS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return perr_pos(r, pos_at(r, i), GS_EPARSE, "%s", what);
}

static gs_status oom(sreader *r)
{
    return gs_errf(&r->t->err, GS_ENOMEM, "out of memory");
}

/* Prefix the message a builder call left with a file position. What the
 * builder refuses came from the file, so it is GS_EPARSE; running out of
 * memory stays GS_ENOMEM. */
static gs_status wrap_pos(sreader *r, spos p, gs_status st)
{
    if (st == GS_ENOMEM)
        return oom(r);
    char what[GS_ERRMSG_MAX];
    snprintf(what, sizeof what, "%s", r->t->err.msg);
    return perr_pos(r, p, GS_EPARSE, "%s", what);
}

static void warn_pos(sreader *r, spos p, const char *fmt, ...)
    GS_PRINTF(3, 4);
static void warn_pos(sreader *r, spos p, const char *fmt, ...)
{
    if (!r->o || !r->o->warn)
        return;
    char what[GS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    gs_load_warn(r->o, "%s:%u:%u: %s", r->name, p.line, p.col, what);
}

static bool reader_reserve(sreader *r, size_t need)
{
    if (need <= r->cap)
        return true;
    size_t cap = r->cap ? r->cap : 256;
    while (cap < need)
        cap *= 2;
    char *b = gs_realloc(r->buf, cap);
    if (!b)
        return false;
    r->buf = b;
    spos *p = gs_realloc(r->pos, cap * sizeof *p);
    if (!p)
        return false;
    r->pos = p;
    r->cap = cap;
    return true;
}

/* Read the next logical line into r->buf (comments, continuations and
 * escapes resolved). *got is false at the end of the text. */
static gs_status reader_next(sreader *r, bool *got)
{
    r->n = 0;
    r->n_kv = 0;
    *got = false;
    if (r->at >= r->len)
        return GS_OK;
    r->start = (spos){r->line, 1};
    bool more = true;
    while (more) {
        const char *p = r->text + r->at;
        size_t rest = r->len - r->at;
        const char *nl = memchr(p, '\n', rest);
        size_t plen = nl ? (size_t)(nl - p) : rest;
        size_t skip = 0; /* a UTF-8 byte order mark is not a column */
        if (r->at == 0 && plen >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
            skip = 3;
        /* A NUL would cut names short once they are C strings. */
        const char *z = memchr(p, '\0', plen);
        if (z) {
            r->n = 0;
            return perr_pos(r, (spos){r->line, (uint32_t)(z - p - skip) + 1},
                            GS_EPARSE, "NUL byte in the text");
        }
        /* The comment starts at a '#' after an even number of
         * backslashes (an odd number escapes it). */
        size_t end = plen, bs = 0;
        for (size_t i = skip; i < plen; i++) {
            if (p[i] == '#' && bs % 2 == 0) {
                end = i;
                break;
            }
            bs = p[i] == '\\' ? bs + 1 : 0;
        }
        while (end > skip && is_space(p[end - 1]))
            end--;
        size_t tail = 0;
        while (tail < end - skip && p[end - 1 - tail] == '\\')
            tail++;
        bool cont = tail % 2 == 1;
        if (cont)
            end--;
        if (!reader_reserve(r, r->n + (end - skip) + 1))
            return oom(r);
        for (size_t i = skip; i < end; i++) {
            if (p[i] == '\\' && i + 1 < end)
                i++; /* the escaped character stands for itself */
            r->buf[r->n] = p[i];
            r->pos[r->n] = (spos){r->line, (uint32_t)(i - skip) + 1};
            r->n++;
        }
        r->line++;
        r->at += nl ? plen + 1 : plen;
        more = cont && r->at < r->len;
    }
    *got = true;
    return GS_OK;
}

/* Split the logical line into Key=Value pairs. Slurm allows spaces around
 * '=' and values in double quotes; a key with nothing after its '=' is an
 * error here (Slurm would silently take the next pair as its value). */
static gs_status reader_split(sreader *r)
{
    char *b = r->buf;
    size_t n = r->n, i = 0;
    for (;;) {
        while (i < n && is_space(b[i]))
            i++;
        if (i == n)
            break;
        size_t k = i;
        while (i < n && !is_space(b[i]) && b[i] != '=')
            i++;
        size_t klen = i - k;
        size_t eq = i;
        while (eq < n && is_space(b[eq]))
            eq++;
        if (klen == 0)
            return perr(r, k, "'=' without a key before it");
        int kshow = (int)GS_MIN(klen, 64);
        if (eq == n || b[eq] != '=')
            return perr(r, k, "\"%.*s\" is not a Key=Value pair (no '=')",
                        kshow, b + k);
        for (size_t j = k; j < k + klen; j++)
            if (!is_key_char(b[j]))
                return perr(r, j,
                            "\"%.*s\" is not a key (keys are letters, digits, "
                            "'_' and '.')",
                            kshow, b + k);
        i = eq + 1;
        bool gap = i < n && is_space(b[i]);
        while (i < n && is_space(b[i]))
            i++;
        if (i == n)
            return perr(r, eq + 1, "empty value for %.*s=", kshow, b + k);
        size_t v, vlen;
        if (b[i] == '"') {
            size_t q = i, c = q + 1;
            while (c < n && b[c] != '"')
                c++;
            if (c == n)
                return perr(r, q, "quote without a closing quote");
            v = q + 1;
            vlen = c - v;
            if (vlen == 0)
                return perr(r, q, "empty value for %.*s=", kshow, b + k);
            i = c + 1;
            if (i < n && !is_space(b[i]))
                return perr(r, i, "a space must follow the closing quote");
        } else {
            v = i;
            while (i < n && !is_space(b[i]))
                i++;
            vlen = i - v;
            /* "Nodes= Switches=s1": the '=' had no value of its own */
            if (gap && memchr(b + v, '=', vlen))
                return perr(r, eq + 1, "empty value for %.*s=", kshow,
                            b + k);
        }
        if (!GS_GROW(r->kv, r->cap_kv, r->n_kv + 1))
            return oom(r);
        r->kv[r->n_kv++] = (skv){k, klen, v, vlen, eq};
    }
    /* Make keys and values C strings: each is followed by a '=', a space, a
     * quote or the end of the line, none of which is needed any more. */
    for (size_t j = 0; j < r->n_kv; j++) {
        b[r->kv[j].key + r->kv[j].key_len] = '\0';
        b[r->kv[j].val + r->kv[j].val_len] = '\0';
    }
    return GS_OK;
}

static const char *kv_key(const sreader *r, size_t i)
{
    return r->buf + r->kv[i].key;
}

static const char *kv_val(const sreader *r, size_t i)
{
    return r->buf + r->kv[i].val;
}

static spos kv_key_pos(const sreader *r, size_t i)
{
    return pos_at(r, r->kv[i].key);
}

static spos kv_val_pos(const sreader *r, size_t i)
{
    return pos_at(r, r->kv[i].val);
}

#define NO_KV SIZE_MAX

/* Sort the line's pairs into slots of known keys. Unknown keys and keys
 * given twice are warnings (Slurm keeps the last value of a repeated
 * key). */
static void reader_slots(sreader *r, const char *const *keys, size_t nkeys,
                         size_t *slot)
{
    for (size_t k = 0; k < nkeys; k++)
        slot[k] = NO_KV;
    for (size_t i = 0; i < r->n_kv; i++) {
        size_t k = 0;
        while (k < nkeys && strcasecmp(kv_key(r, i), keys[k]) != 0)
            k++;
        if (k == nkeys) {
            warn_pos(r, kv_key_pos(r, i), "unknown key '%.64s' (ignored)",
                     kv_key(r, i));
            continue;
        }
        if (slot[k] != NO_KV)
            warn_pos(r, kv_key_pos(r, i),
                     "%s= is given twice on this line; the last value is "
                     "used, as Slurm does",
                     keys[k]);
        slot[k] = i;
    }
}

/* Slurm's "include FILE" directive: not followed (a buffer has no
 * directory, and a file should not reach for others), but said. */
static bool reader_include(sreader *r)
{
    size_t i = 0;
    while (i < r->n && is_space(r->buf[i]))
        i++;
    if (r->n - i > 7 && strncasecmp(r->buf + i, "include", 7) == 0 &&
        is_space(r->buf[i + 7])) {
        warn_pos(r, pos_at(r, i),
                 "include directive not followed (the included file is not "
                 "read)");
        return true;
    }
    return false;
}

/* Names of nodes, switches and blocks are hostnames in practice. The
 * library accepts any printable name, but its JSON writer puts compressed
 * hostlists into JSON strings as they are, so a '"' or '\\' in a name would
 * not survive a save; refuse them here, where no real file has them. */
static gs_status check_slurm_name(sreader *r, size_t at, const char *what,
                                  const char *name)
{
    const char *bad = strpbrk(name, "\"\\");
    if (!bad)
        return GS_OK;
    return perr(r, at,
                "%s name \"%.64s\" has a '%c' (hostnames have no quotes or "
                "backslashes)",
                what, name, *bad);
}

/* Decimal digits only, at most max. */
static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        if (v > (max - (uint64_t)(*s - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

static bool count_name(void *ctx, const char *name, size_t len)
{
    (void)name;
    (void)len;
    ++*(size_t *)ctx;
    return true;
}

/* Expand a hostlist value; the callback's failures come back through
 * *cb_st (it already set the message). A first pass checks the whole
 * expression, so that a bad or oversized one fails before anything is
 * built (checking is cheap, building nodes is not). */
static gs_status expand_value(sreader *r, size_t kv, size_t max,
                              gs_hostlist_fn fn, void *ctx,
                              const gs_status *cb_st, const char *what)
{
    size_t bad = 0, count = 0;
    const char *why = "bad expression";
    gs_status st = gs_hostlist_expand(kv_val(r, kv), r->kv[kv].val_len, max,
                                      count_name, &count, &bad, &why);
    if (st == GS_OK && count > r->names_left)
        return perr(r, r->kv[kv].val,
                    "the file's hostlists name more than %u nodes, switches "
                    "and devices in all (each listing counts)",
                    SLURM_MAX_NAMES);
    if (st == GS_OK) {
        r->names_left -= count;
        st = gs_hostlist_expand(kv_val(r, kv), r->kv[kv].val_len, max, fn,
                                ctx, &bad, &why);
    }
    if (*cb_st != GS_OK)
        return *cb_st;
    if (st == GS_OK)
        return GS_OK;
    if (st == GS_ERANGE)
        return perr(r, r->kv[kv].val, "%s= names more than %zu %s",
                    kv_key(r, kv), max, what);
    return perr(r, r->kv[kv].val + GS_MIN(bad, r->kv[kv].val_len),
                "bad hostlist expression in %s=: %s", kv_key(r, kv), why);
}

/* ==== node templates (gs_load_options.node_templates) ==================== */

typedef struct tmap {
    bool active;      /* HOSTLIST=TEMPLATE entries were given */
    const char *all;  /* template of the nodes no entry names, or NULL */
    char *copy;       /* the option, split in place */
    const char **tmpl; /* per entry */
    char **entry;     /* per entry: its hostlist, for messages */
    size_t *hits;     /* per entry: nodes it gave a template to */
    size_t n;
    gs_strtab names; /* node name -> entry */
    gs_arena arena;
    size_t n_names;
    size_t unmatched;
    char first_unmatched[GS_MAX_NAME + 1];
    /* expansion state */
    size_t cur;
    gs_status st;
} tmap;

static void tmap_free(tmap *m)
{
    gs_free(m->copy);
    gs_free(m->tmpl);
    gs_free(m->entry);
    gs_free(m->hits);
    gs_strtab_free(&m->names);
    gs_arena_free(&m->arena);
}

static bool tmap_add(void *ctx, const char *name, size_t len)
{
    tmap *m = ctx;
    /* every listing counts, so that repeated entries cannot multiply the
     * work */
    if (++m->n_names > SLURM_MAX_TEMPLATE_NAMES) {
        m->st = GS_ERANGE;
        return false;
    }
    if (gs_strtab_get(&m->names, name, len))
        return true; /* the first entry naming a node wins */
    char *copy = gs_arena_strndup(&m->arena, name, len);
    if (!copy || !gs_strtab_put(&m->names, copy, len, (uint32_t)m->cur)) {
        m->st = GS_ENOMEM;
        return false;
    }
    return true;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

static gs_status tmap_check_template(const char *tname, size_t entry,
                                     gs_err *err)
{
    int cluster = 0;
    if (!*tname)
        return gs_errf(err, GS_EINVAL,
                       "node templates: entry %zu has no template name after "
                       "'='",
                       entry);
    if (!gs_template_find(tname, &cluster))
        return gs_errf(err, GS_EINVAL,
                       "node templates: entry %zu: no built-in node template "
                       "named \"%.64s\" (gpusched topo templates lists them)",
                       entry, tname);
    if (cluster)
        return gs_errf(err, GS_EINVAL,
                       "node templates: entry %zu: \"%.64s\" describes a "
                       "whole cluster, not a node",
                       entry, tname);
    return GS_OK;
}

/* "dgx-h100" (every node), or "gpu[001-064]=dgx-h100;cpu[1-8]=pcie-8gpu"
 * (the first entry naming a node gives its template), optionally with one
 * entry without a hostlist for the nodes no other entry names. */
static gs_status tmap_init(tmap *m, const char *spec, gs_err *err)
{
    memset(m, 0, sizeof *m);
    if (!spec || !*spec)
        return GS_OK;
    size_t entries = 1;
    for (const char *p = spec; *p; p++)
        entries += *p == ';';
    m->copy = gs_strdup(spec);
    m->tmpl = gs_calloc(entries, sizeof *m->tmpl);
    m->entry = gs_calloc(entries, sizeof *m->entry);
    m->hits = gs_calloc(entries, sizeof *m->hits);
    if (!m->copy || !m->tmpl || !m->entry || !m->hits)
        return gs_errf(err, GS_ENOMEM, "out of memory");
    char *p = m->copy;
    for (size_t no = 1; p; no++) {
        char *semi = strchr(p, ';');
        if (semi)
            *semi = '\0';
        char *e = trim(p);
        p = semi ? semi + 1 : NULL;
        if (!*e)
            continue; /* "a=b;" and ";;" are harmless */
        char *eq = strchr(e, '=');
        char *tname = eq ? trim(eq + 1) : e;
        gs_status st = tmap_check_template(tname, no, err);
        if (st != GS_OK)
            return st;
        if (!eq) {
            if (m->all)
                return gs_errf(err, GS_EINVAL,
                               "node templates: entries \"%.64s\" and "
                               "\"%.64s\" both name no hosts (give the "
                               "others as HOSTLIST=TEMPLATE)",
                               m->all, tname);
            m->all = tname;
            continue;
        }
        *eq = '\0';
        char *hosts = trim(e);
        if (!*hosts)
            return gs_errf(err, GS_EINVAL,
                           "node templates: entry %zu (\"=%.64s\") has no "
                           "hostlist before '='",
                           no, tname);
        m->active = true;
        m->cur = m->n;
        m->tmpl[m->n] = tname;
        m->entry[m->n] = hosts;
        m->n++;
        size_t bad = 0;
        const char *why = "bad expression";
        m->st = GS_OK;
        st = gs_hostlist_expand(hosts, strlen(hosts), SLURM_MAX_TEMPLATE_NAMES,
                                tmap_add, m, &bad, &why);
        if (m->st == GS_ENOMEM)
            return gs_errf(err, GS_ENOMEM, "out of memory");
        if (m->st == GS_ERANGE || st == GS_ERANGE)
            return gs_errf(err, GS_EINVAL,
                           "node templates: entry %zu (\"%.64s\") names more "
                           "than %u hosts in all",
                           no, hosts, SLURM_MAX_TEMPLATE_NAMES);
        if (st != GS_OK)
            return gs_errf(err, GS_EINVAL,
                           "node templates: entry %zu (\"%.64s\"): %s at "
                           "offset %zu",
                           no, hosts, why, bad);
    }
    return GS_OK;
}

static const char *tmap_lookup(tmap *m, const char *name)
{
    if (m->active) {
        const gs_strtab_slot *s = gs_strtab_get(&m->names, name, strlen(name));
        if (s) {
            m->hits[s->val]++;
            return m->tmpl[s->val];
        }
        if (!m->all && m->unmatched++ == 0)
            snprintf(m->first_unmatched, sizeof m->first_unmatched, "%s",
                     name);
    }
    return m->all;
}

static void tmap_report(tmap *m, sreader *r)
{
    if (!r->o || !r->o->warn)
        return;
    for (size_t i = 0; i < m->n; i++)
        if (!m->hits[i])
            gs_load_warn(r->o,
                         "%s: node templates: entry \"%.64s=%.64s\" names no "
                         "node of the file",
                         r->name, m->entry[i], m->tmpl[i]);
    if (m->unmatched)
        gs_load_warn(r->o,
                     "%s: node templates: %zu node%s (the first is \"%.64s\") "
                     "match no entry and have no GPUs",
                     r->name, m->unmatched, m->unmatched == 1 ? "" : "s",
                     m->first_unmatched);
}

/* ==== topology.conf ===================================================== */

enum { T_SWITCHNAME, T_NODES, T_SWITCHES, T_LINKSPEED, T_NKEYS };
static const char *const switch_keys[] = {"SwitchName", "Nodes", "Switches",
                                          "LinkSpeed"};
enum { B_BLOCKNAME, B_NODES, B_NKEYS };
static const char *const block_keys[] = {"BlockName", "Nodes"};
static const char *const sizes_keys[] = {"BlockSizes"};

typedef struct tnode {
    uint32_t sw_line;  /* line that put it on its switch */
    uint32_t blk_line; /* line that put it in its block */
} tnode;

typedef struct tblock {
    spos at;
    uint32_t nodes;
} tblock;

/* A Switches= value, resolved once every switch is known (children may be
 * defined after their parent). */
typedef struct tkids {
    uint32_t parent;
    spos at;
    char *names; /* n NUL-terminated names in a row */
    size_t n;
} tkids;

typedef struct tctx {
    sreader r;
    tmap map;
    tnode *nodes;
    size_t cap_nodes;
    uint32_t *sw_line; /* per switch: its SwitchName= line */
    spos *sw_listed;   /* per switch: where its parent lists it */
    size_t cap_sw, cap_listed;
    tblock *blocks;
    size_t cap_blocks;
    tkids *kids;
    size_t n_kids, cap_kids;
    uint32_t tree_line, block_line; /* first line of each form */
    uint64_t base_size;             /* BlockSizes' first value, 0 if none */
    spos sizes_at;
    /* hostlist expansion state */
    size_t at;
    uint32_t target;
    gs_buf names;
    gs_status st;
    /* nodes of this Nodes= value already on another leaf switch */
    size_t n_multi;
    uint32_t multi_node; /* the first of them */
} tctx;

/* Find a node, or create it with its template (nodes are numbered in order
 * of first appearance). */
static gs_status topo_node(tctx *c, const char *name, size_t at, uint32_t *idx)
{
    gs_topo *t = c->r.t;
    const gs_strtab_slot *s = gs_strtab_get(&t->node_names, name, strlen(name));
    if (s) {
        *idx = s->val;
        return GS_OK;
    }
    if (t->n_nodes >= SLURM_MAX_NODES)
        return perr(&c->r, at, "the file names more than %u nodes",
                    SLURM_MAX_NODES);
    gs_status st = check_slurm_name(&c->r, at, "node", name);
    if (st != GS_OK)
        return st;
    if (!GS_GROW(c->nodes, c->cap_nodes, t->n_nodes + 1))
        return oom(&c->r);
    const char *tmpl = tmap_lookup(&c->map, name);
    st = tmpl ? gs_topo_add_template_node(t, tmpl, name, idx)
              : gs_topo_add_node(t, name, idx);
    if (st != GS_OK)
        return wrap_pos(&c->r, pos_at(&c->r, at), st);
    c->nodes[*idx] = (tnode){0, 0};
    return GS_OK;
}

static bool on_switch_node(void *ctx, const char *name, size_t len)
{
    (void)len;
    tctx *c = ctx;
    gs_topo *t = c->r.t;
    uint32_t node;
    if ((c->st = topo_node(c, name, c->at, &node)) != GS_OK)
        return false;
    uint32_t sw = t->nodes[node].sw;
    if (sw == c->target)
        return true;
    if (sw != GS_NONE) {
        /* Cabled to several leaf switches (dual-rail fabrics): Slurm warns
         * and keeps them all; a gpusched node hangs off one leaf switch, so
         * it keeps the first (said once per Nodes= value). */
        if (c->n_multi++ == 0)
            c->multi_node = node;
        return true;
    }
    if ((c->st = gs_topo_attach_node(t, node, c->target)) != GS_OK) {
        c->st = wrap_pos(&c->r, pos_at(&c->r, c->at), c->st);
        return false;
    }
    c->nodes[node].sw_line = c->r.start.line;
    return true;
}

static bool on_block_node(void *ctx, const char *name, size_t len)
{
    (void)len;
    tctx *c = ctx;
    gs_topo *t = c->r.t;
    uint32_t node;
    if ((c->st = topo_node(c, name, c->at, &node)) != GS_OK)
        return false;
    uint32_t d = t->nodes[node].domain;
    if (d == c->target)
        return true;
    if (d != GS_NONE) {
        c->st = perr(&c->r, c->at,
                     "node \"%s\" is in block \"%s\" (line %u) and in block "
                     "\"%s\": a node belongs to one block",
                     name, t->domains[d].name, c->nodes[node].blk_line,
                     t->domains[c->target].name);
        return false;
    }
    if ((c->st = gs_topo_set_node_domain(t, c->target, node)) != GS_OK) {
        c->st = wrap_pos(&c->r, pos_at(&c->r, c->at), c->st);
        return false;
    }
    c->nodes[node].blk_line = c->r.start.line;
    c->blocks[c->target].nodes++;
    return true;
}

static bool on_child_name(void *ctx, const char *name, size_t len)
{
    tctx *c = ctx;
    gs_buf_put(&c->names, name, len + 1); /* with its NUL */
    if (c->names.failed) {
        c->st = oom(&c->r);
        return false;
    }
    return true;
}

/* Note the first line of each form; say so once when a file has both.
 * SUNK (CoreWeave) writes such files: Slurm's active plugin reads its own
 * lines and the others are inert. gpusched keeps both views. */
static void topo_form(tctx *c, bool block, size_t kv0)
{
    uint32_t line = c->r.start.line;
    uint32_t *mine = block ? &c->block_line : &c->tree_line;
    uint32_t other = block ? c->tree_line : c->block_line;
    if (*mine)
        return;
    *mine = line;
    if (other)
        warn_pos(&c->r, kv_key_pos(&c->r, kv0),
                 "this file has both %s lines (from line %u) and %s lines: "
                 "Slurm uses one form, the one of its TopologyPlugin; "
                 "gpusched keeps both (switches, and blocks as NVLink "
                 "domains)",
                 block ? "SwitchName=" : "BlockName=", other,
                 block ? "BlockName=" : "SwitchName=");
}

/* The start of a SwitchName= or BlockName= line (slot[0] is that key): its
 * keys, its name, and a name defined twice. */
static gs_status topo_line_head(tctx *c, bool block, const char *const *keys,
                                size_t nkeys, size_t *slot, const char **name)
{
    sreader *r = &c->r;
    reader_slots(r, keys, nkeys, slot);
    topo_form(c, block, 0);
    size_t kn = slot[0];
    const char *what = block ? "block" : "switch";
    *name = kv_val(r, kn);
    gs_status st = check_slurm_name(r, r->kv[kn].val, what, *name);
    if (st != GS_OK)
        return st;
    const gs_strtab *tab = block ? &r->t->domain_names : &r->t->switch_names;
    const gs_strtab_slot *s = gs_strtab_get(tab, *name, strlen(*name));
    if (s)
        return perr(r, r->kv[kn].val,
                    "%s \"%.64s\" is defined twice (first at line %u)", what,
                    *name,
                    block ? c->blocks[s->val].at.line : c->sw_line[s->val]);
    return GS_OK;
}

static gs_status topo_switch_line(tctx *c)
{
    sreader *r = &c->r;
    gs_topo *t = r->t;
    size_t slot[T_NKEYS];
    const char *name;
    gs_status st = topo_line_head(c, false, switch_keys, T_NKEYS, slot, &name);
    if (st != GS_OK)
        return st;
    size_t kn = slot[T_SWITCHNAME];
    uint64_t speed = 0;
    if (slot[T_LINKSPEED] != NO_KV &&
        !parse_uint(kv_val(r, slot[T_LINKSPEED]), UINT32_MAX, &speed))
        return perr(r, r->kv[slot[T_LINKSPEED]].val,
                    "LinkSpeed must be a whole number from 0 to %u, not "
                    "\"%.64s\"",
                    UINT32_MAX, kv_val(r, slot[T_LINKSPEED]));
    if (!GS_GROW(c->sw_line, c->cap_sw, t->n_switches + 1) ||
        !GS_GROW(c->sw_listed, c->cap_listed, t->n_switches + 1))
        return oom(r);
    uint32_t sw;
    st = gs_topo_add_switch(t, name, speed, &sw);
    if (st != GS_OK)
        return wrap_pos(r, kv_val_pos(r, kn), st);
    c->sw_line[sw] = r->start.line;
    c->sw_listed[sw] = (spos){0, 0};
    if (slot[T_NODES] != NO_KV) {
        size_t kv = slot[T_NODES];
        c->at = r->kv[kv].val;
        c->target = sw;
        c->st = GS_OK;
        c->n_multi = 0;
        if ((st = expand_value(r, kv, SLURM_MAX_NODES, on_switch_node, c,
                               &c->st, "nodes")) != GS_OK)
            return st;
        if (c->n_multi) {
            uint32_t node = c->multi_node;
            uint32_t first = t->nodes[node].sw;
            warn_pos(r, kv_val_pos(r, kv),
                     "%zu node%s of switch \"%.64s\" %s already on another "
                     "leaf switch (the first is \"%.64s\", on switch "
                     "\"%.64s\" at line %u): Slurm accepts nodes on several "
                     "leaf switches; gpusched keeps each on its first",
                     c->n_multi, c->n_multi == 1 ? "" : "s", name,
                     c->n_multi == 1 ? "is" : "are", t->nodes[node].name,
                     t->switches[first].name, c->nodes[node].sw_line);
        }
    }
    if (slot[T_SWITCHES] != NO_KV) {
        size_t kv = slot[T_SWITCHES];
        if (slot[T_NODES] != NO_KV)
            warn_pos(r, kv_key_pos(r, kv),
                     "switch \"%.64s\" has both Nodes= and Switches=: Slurm "
                     "refuses this; gpusched keeps both",
                     name);
        c->names.len = 0;
        c->names.failed = false;
        c->st = GS_OK;
        if ((st = expand_value(r, kv, SLURM_MAX_NODES, on_child_name, c,
                               &c->st, "switches")) != GS_OK)
            return st;
        if (!GS_GROW(c->kids, c->cap_kids, c->n_kids + 1))
            return oom(r);
        char *copy = gs_malloc(c->names.len ? c->names.len : 1);
        if (!copy)
            return oom(r);
        memcpy(copy, c->names.data, c->names.len);
        size_t count = 0;
        for (size_t i = 0; i < c->names.len; i++)
            count += c->names.data[i] == '\0';
        c->kids[c->n_kids++] = (tkids){sw, kv_val_pos(r, kv), copy, count};
    }
    return GS_OK;
}

static gs_status topo_block_line(tctx *c)
{
    sreader *r = &c->r;
    gs_topo *t = r->t;
    size_t slot[B_NKEYS];
    const char *name;
    gs_status st = topo_line_head(c, true, block_keys, B_NKEYS, slot, &name);
    if (st != GS_OK)
        return st;
    size_t kn = slot[B_BLOCKNAME];
    if (slot[B_NODES] == NO_KV)
        return perr(r, r->kv[kn].key,
                    "block \"%.64s\" has no Nodes= (Slurm requires them)",
                    name);
    if (!GS_GROW(c->blocks, c->cap_blocks, t->n_domains + 1))
        return oom(r);
    uint32_t d;
    st = gs_topo_add_nvlink_domain(t, name, &d);
    if (st != GS_OK)
        return wrap_pos(r, kv_val_pos(r, kn), st);
    c->blocks[d] = (tblock){kv_val_pos(r, kn), 0};
    size_t kv = slot[B_NODES];
    c->at = r->kv[kv].val;
    c->target = d;
    c->st = GS_OK;
    return expand_value(r, kv, SLURM_MAX_NODES, on_block_node, c, &c->st,
                        "nodes");
}

/* BlockSizes=4,16: the base block size, then larger ones that are the base
 * times a power of two (topology.conf(5)). They steer Slurm's placement,
 * not the hardware, so only their form is checked. */
static gs_status topo_sizes_line(tctx *c)
{
    sreader *r = &c->r;
    size_t slot[1];
    reader_slots(r, sizes_keys, 1, slot);
    size_t kv = slot[0];
    topo_form(c, true, 0);
    const char *v = kv_val(r, kv);
    size_t vlen = r->kv[kv].val_len;
    uint64_t base = 0;
    bool rule_broken = false;
    for (size_t i = 0; i <= vlen;) {
        size_t j = i;
        while (j < vlen && v[j] != ',')
            j++;
        char num[24];
        uint64_t size = 0;
        size_t w = j - i;
        if (w == 0 || w >= sizeof num)
            return perr(r, r->kv[kv].val + i,
                        "BlockSizes is a comma-separated list of node counts");
        memcpy(num, v + i, w);
        num[w] = '\0';
        if (!parse_uint(num, SLURM_MAX_NODES, &size) || size == 0)
            return perr(r, r->kv[kv].val + i,
                        "block size \"%s\" is not a node count from 1 to %u",
                        num, SLURM_MAX_NODES);
        if (!base) {
            base = size;
        } else {
            uint64_t ratio = size / base;
            if (size % base || (ratio & (ratio - 1)) || ratio > (1u << 15))
                rule_broken = true;
        }
        i = j + 1;
    }
    if (rule_broken)
        warn_pos(r, kv_val_pos(r, kv),
                 "BlockSizes=%.64s: each size after the first should be the "
                 "first times a power of two (Slurm refuses other sizes)",
                 v);
    if (c->base_size)
        warn_pos(r, kv_key_pos(r, kv),
                 "BlockSizes is given twice (first at line %u); the last "
                 "value is used, as Slurm does",
                 c->sizes_at.line);
    c->base_size = base;
    c->sizes_at = kv_key_pos(r, kv);
    return GS_OK;
}

static gs_status topo_line(tctx *c)
{
    sreader *r = &c->r;
    if (reader_include(r))
        return GS_OK;
    gs_status st = reader_split(r);
    if (st != GS_OK || r->n_kv == 0)
        return st;
    const char *k = kv_key(r, 0);
    if (strcasecmp(k, "SwitchName") == 0)
        return topo_switch_line(c);
    if (strcasecmp(k, "BlockName") == 0)
        return topo_block_line(c);
    if (strcasecmp(k, "BlockSizes") == 0)
        return topo_sizes_line(c);
    if (strcasecmp(k, "RingName") == 0)
        return perr(r, r->kv[0].key,
                    "RingName= lines (topology/ring) are not supported: "
                    "gpusched reads the tree (SwitchName=) and block "
                    "(BlockName=) forms");
    return perr(r, r->kv[0].key,
                "a topology.conf line starts with SwitchName=, BlockName= or "
                "BlockSizes=, not %.64s=",
                k);
}

/* A Switches= edge a switch did not take as its parent (it had one). */
typedef struct tedge {
    uint32_t parent, child;
    spos at;
} tedge;

/* Whether the child edges lead from `from` down to `to`; if so, prev[]
 * holds the way back up (prev[x] lists x in its Switches=). */
static bool topo_reaches(const tctx *c, const uint32_t *first,
                         const uint32_t *kid, uint32_t *prev, uint32_t *queue,
                         uint32_t from, uint32_t to)
{
    size_t n = c->r.t->n_switches;
    for (size_t i = 0; i < n; i++)
        prev[i] = GS_NONE;
    size_t head = 0, tail = 0;
    queue[tail++] = from;
    prev[from] = from;
    while (head < tail) {
        uint32_t x = queue[head++];
        for (uint32_t e = first[x]; e < first[x + 1]; e++) {
            uint32_t y = kid[e];
            if (prev[y] != GS_NONE)
                continue;
            prev[y] = x;
            if (y == to)
                return true;
            queue[tail++] = y;
        }
    }
    return false;
}

/* Strongly connected components of the child edges (comp[x]), by
 * Tarjan's algorithm made iterative: a chain of 100,000 switches must not
 * exhaust the C stack. O(switches + edges). */
static void topo_components(size_t n, const uint32_t *first,
                            const uint32_t *kid, uint32_t *comp,
                            uint32_t *index, uint32_t *low, uint32_t *stack,
                            uint32_t *call, uint32_t *edge)
{
    uint32_t next = 0, n_comp = 0;
    size_t sp = 0;
    for (size_t i = 0; i < n; i++) {
        index[i] = GS_NONE;
        comp[i] = GS_NONE;
    }
    for (size_t root = 0; root < n; root++) {
        if (index[root] != GS_NONE)
            continue;
        size_t depth = 0;
        call[depth++] = (uint32_t)root;
        index[root] = low[root] = next++;
        stack[sp++] = (uint32_t)root;
        edge[root] = first[root];
        while (depth) {
            uint32_t v = call[depth - 1];
            if (edge[v] < first[v + 1]) {
                uint32_t w = kid[edge[v]++];
                if (index[w] == GS_NONE) {
                    index[w] = low[w] = next++;
                    stack[sp++] = w;
                    edge[w] = first[w];
                    call[depth++] = w;
                } else if (comp[w] == GS_NONE) {
                    low[v] = GS_MIN(low[v], index[w]); /* w is on the stack */
                }
                continue;
            }
            if (low[v] == index[v]) {
                uint32_t w;
                do {
                    w = stack[--sp];
                    comp[w] = n_comp;
                } while (w != v);
                n_comp++;
            }
            if (--depth)
                low[call[depth - 1]] = GS_MIN(low[call[depth - 1]], low[v]);
        }
    }
}

/* Slurm refuses any cycle of Switches= edges ("not a tree"), also one
 * through an edge gpusched did not keep as a parent. Such an edge closes a
 * cycle when its two ends are in one strongly connected component; the
 * first that does is reported, with a way down from its child back to its
 * parent. */
static gs_status topo_extra_cycles(tctx *c, const tedge *extra, size_t n_extra)
{
    sreader *r = &c->r;
    gs_topo *t = r->t;
    size_t n = t->n_switches, n_edges = 0;
    for (size_t k = 0; k < c->n_kids; k++)
        n_edges += c->kids[k].n;
    uint32_t *first = gs_calloc(n + 1, sizeof *first);
    uint32_t *fill = gs_calloc(n + 1, sizeof *fill);
    uint32_t *kid = gs_malloc((n_edges ? n_edges : 1) * sizeof *kid);
    uint32_t *prev = gs_malloc((n ? n : 1) * sizeof *prev);
    uint32_t *queue = gs_malloc((n ? n : 1) * sizeof *queue);
    uint32_t *comp = gs_malloc((n ? n : 1) * sizeof *comp);
    uint32_t *low = gs_malloc((n ? n : 1) * sizeof *low);
    uint32_t *call = gs_malloc((n ? n : 1) * sizeof *call);
    uint32_t *edge = gs_malloc((n ? n : 1) * sizeof *edge);
    gs_status st = GS_OK;
    if (!first || !fill || !kid || !prev || !queue || !comp || !low ||
        !call || !edge) {
        st = oom(r);
        goto out;
    }
    /* the child edges of every switch, in a row (every name resolves: the
     * first pass checked them) */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < c->n_kids; k++) {
            const tkids *kd = &c->kids[k];
            const char *nm = kd->names;
            for (size_t i = 0; i < kd->n; i++, nm += strlen(nm) + 1) {
                uint32_t ch =
                    gs_strtab_get(&t->switch_names, nm, strlen(nm))->val;
                if (pass == 0)
                    first[kd->parent + 1]++;
                else
                    kid[fill[kd->parent]++] = ch;
            }
        }
        if (pass == 0) {
            for (size_t i = 0; i < n; i++)
                first[i + 1] += first[i];
            memcpy(fill, first, (n + 1) * sizeof *fill);
        }
    }
    /* prev and queue serve as Tarjan's index and stack first */
    topo_components(n, first, kid, comp, prev, low, queue, call, edge);
    for (size_t e = 0; e < n_extra && st == GS_OK; e++) {
        uint32_t p = extra[e].parent, ch = extra[e].child;
        if (comp[p] != comp[ch] ||
            !topo_reaches(c, first, kid, prev, queue, ch, p))
            continue;
        /* upwards, as for the other cycles: ch -> p -> ... -> ch */
        char path[256];
        size_t used = 0;
        uint32_t x = ch;
        for (size_t steps = 0; steps <= n; steps++) {
            int w = snprintf(path + used, sizeof path - used, "%s -> ",
                             t->switches[x].name);
            used = w < 0 ? used : GS_MIN(used + (size_t)w, sizeof path - 1);
            x = x == ch ? p : prev[x];
            if (x == ch)
                break;
        }
        snprintf(path + used, sizeof path - used, "%s", t->switches[ch].name);
        st = perr_pos(r, extra[e].at, GS_EPARSE,
                      "the switches form a cycle (%s), not a tree", path);
    }
out:
    gs_free(first);
    gs_free(fill);
    gs_free(kid);
    gs_free(prev);
    gs_free(queue);
    gs_free(comp);
    gs_free(low);
    gs_free(call);
    gs_free(edge);
    return st;
}

/* Give each Switches= child its parent, then refuse cycles with the line
 * that closes them. A switch listed by several parents (a fat tree's leaf
 * under each of its spines, as in Slurm's topology guide) keeps the first:
 * Slurm accepts that, and gpusched's tree has one parent per switch. */
static gs_status topo_resolve(tctx *c)
{
    sreader *r = &c->r;
    gs_topo *t = r->t;
    tedge *extra = NULL;
    size_t n_extra = 0, cap_extra = 0;
    gs_status st = GS_OK;
    for (size_t k = 0; k < c->n_kids && st == GS_OK; k++) {
        const tkids *kd = &c->kids[k];
        const char *nm = kd->names;
        const char *pname = t->switches[kd->parent].name;
        size_t n_other = 0;
        uint32_t other = GS_NONE;
        for (size_t i = 0; i < kd->n; i++, nm += strlen(nm) + 1) {
            const gs_strtab_slot *s =
                gs_strtab_get(&t->switch_names, nm, strlen(nm));
            if (!s) {
                st = perr_pos(r, kd->at, GS_EPARSE,
                              "switch \"%.64s\" is not defined (each switch "
                              "in Switches= needs its own SwitchName= line, "
                              "as Slurm requires)",
                              nm);
                break;
            }
            uint32_t child = s->val;
            if (child == kd->parent) {
                st = perr_pos(r, kd->at, GS_EPARSE,
                              "switch \"%.64s\" lists itself in Switches=",
                              nm);
                break;
            }
            uint32_t cur = t->switches[child].parent;
            if (cur == kd->parent)
                continue;
            if (cur != GS_NONE) {
                if (n_other++ == 0)
                    other = child;
                if (!GS_GROW(extra, cap_extra, n_extra + 1)) {
                    st = oom(r);
                    break;
                }
                extra[n_extra++] = (tedge){kd->parent, child, kd->at};
                continue;
            }
            if ((st = gs_topo_set_switch_parent(t, child, kd->parent)) !=
                GS_OK) {
                st = wrap_pos(r, kd->at, st);
                break;
            }
            c->sw_listed[child] = kd->at;
        }
        if (st == GS_OK && n_other) {
            uint32_t cur = t->switches[other].parent;
            warn_pos(r, kd->at,
                     "%zu switch%s listed by \"%.64s\" already %s a parent "
                     "(the first is \"%.64s\", below \"%.64s\" at line %u): "
                     "Slurm accepts switches with several parents; gpusched "
                     "keeps each switch's first",
                     n_other, n_other == 1 ? "" : "es", pname,
                     n_other == 1 ? "has" : "have", t->switches[other].name,
                     t->switches[cur].name, c->sw_listed[other].line);
        }
    }
    if (st != GS_OK) {
        gs_free(extra);
        return st;
    }
    /* Each switch has one parent, so following parents from any switch
     * either ends at a root or runs into a cycle. */
    uint32_t *mark = gs_calloc(t->n_switches ? t->n_switches : 1,
                               sizeof *mark);
    if (!mark) {
        gs_free(extra);
        return oom(r);
    }
    for (uint32_t s = 0; s < t->n_switches && st == GS_OK; s++) {
        uint32_t cur = s;
        while (cur != GS_NONE && !mark[cur]) {
            mark[cur] = s + 1;
            cur = t->switches[cur].parent;
        }
        if (cur == GS_NONE || mark[cur] != s + 1)
            continue;
        char path[256];
        size_t used = 0;
        uint32_t x = cur;
        do {
            int w = snprintf(path + used, sizeof path - used, "%s%s",
                             t->switches[x].name, " -> ");
            used = w < 0 ? used : GS_MIN(used + (size_t)w, sizeof path - 1);
            x = t->switches[x].parent;
        } while (x != cur);
        snprintf(path + used, sizeof path - used, "%s", t->switches[cur].name);
        st = perr_pos(r, c->sw_listed[cur], GS_EPARSE,
                      "the switches form a cycle (%s), not a tree", path);
    }
    gs_free(mark);
    if (st == GS_OK && n_extra)
        st = topo_extra_cycles(c, extra, n_extra);
    gs_free(extra);
    return st;
}

static void topo_check_blocks(tctx *c)
{
    sreader *r = &c->r;
    gs_topo *t = r->t;
    /* Without BlockSizes, Slurm takes the first block's size as the base. */
    uint64_t base = c->base_size;
    if (!base && t->n_domains)
        base = c->blocks[0].nodes;
    for (size_t d = 0; d < t->n_domains; d++)
        if (c->blocks[d].nodes < base)
            warn_pos(r, c->blocks[d].at,
                     "block \"%.64s\" has %u node%s, fewer than the base "
                     "block size %llu (Slurm refuses such a block)",
                     t->domains[d].name, c->blocks[d].nodes,
                     c->blocks[d].nodes == 1 ? "" : "s",
                     (unsigned long long)base);
}

gs_status gs_import_slurm_topology(gs_topo *t, const char *text, size_t len,
                                   const char *name, const gs_load_options *o)
{
    tctx c;
    memset(&c, 0, sizeof c);
    c.r = (sreader){.text = text, .len = len, .line = 1, .name = name,
                    .t = t, .o = o, .names_left = SLURM_MAX_NAMES};
    gs_status st = tmap_init(&c.map, o ? o->node_templates : NULL, &t->err);
    while (st == GS_OK) {
        bool got;
        if ((st = reader_next(&c.r, &got)) != GS_OK || !got)
            break;
        st = topo_line(&c);
    }
    if (st == GS_OK)
        st = topo_resolve(&c);
    if (st == GS_OK) {
        topo_check_blocks(&c);
        tmap_report(&c.map, &c.r);
    }
    for (size_t k = 0; k < c.n_kids; k++)
        gs_free(c.kids[k].names);
    gs_free(c.kids);
    gs_free(c.nodes);
    gs_free(c.sw_line);
    gs_free(c.sw_listed);
    gs_free(c.blocks);
    gs_buf_free(&c.names);
    tmap_free(&c.map);
    reader_free(&c.r);
    return st;
}

/* ==== gres.conf ========================================================= */

enum {
    G_NODENAME,
    G_NAME,
    G_TYPE,
    G_FILE,
    G_COUNT,
    G_CORES,
    G_CPUS,
    G_LINKS,
    G_FLAGS,
    G_MULTIPLEFILES,
    G_AUTODETECT,
    G_FILES,
    G_LINK,
    G_FEATURE,
    G_FEATURES,
    G_AVAILABLEFEATURES,
    G_ACTIVEFEATURES,
    G_WEIGHT,
    G_NKEYS
};
/* Files= and Link= are other names Slurm's parser takes for File= and
 * Links=. Feature=, Features=, AvailableFeatures= and Weight= are
 * slurm.conf's node keys, which gpusched also takes here (docs/formats.md);
 * ActiveFeatures= is what scontrol shows of a node's current state. */
static const char *const gres_keys[] = {
    "NodeName", "Name",    "Type",     "File",          "Count",
    "Cores",    "CPUs",    "Links",    "Flags",         "MultipleFiles",
    "AutoDetect", "Files", "Link",     "Feature",       "Features",
    "AvailableFeatures", "ActiveFeatures", "Weight"};

/* One distinct Cores= set: one NUMA domain on each node whose GPUs use it. */
typedef struct gset {
    gs_cpu_range *r;
    size_t n;
    const char *text; /* canonical cpulist */
} gset;

/* One Name=gpu line. */
typedef struct gdef {
    spos at, files_at, cores_at, links_at;
    const char *model;
    const char *files; /* n NUL-terminated names in a row, or NULL */
    uint32_t n;        /* GPUs */
    uint32_t set;      /* gset, or GS_NONE */
    const int16_t *links;
    const spos *link_at;
    uint32_t n_links; /* 0: no Links= */
    uint64_t features; /* Feature=: a mask of the topology's features */
    bool has_weight;
    uint32_t weight;
    spos weight_at;
} gdef;

typedef struct gnode {
    const char *name;
    spos at;
    uint32_t last_def; /* drops "NodeName=a,a" repeats */
} gnode;

typedef struct gpair {
    uint32_t node, def;
} gpair;

typedef struct gctx {
    sreader r;
    gs_arena arena;
    gdef *defs;
    size_t n_defs, cap_defs;
    gset *sets;
    size_t n_sets, cap_sets;
    gs_strtab set_names;
    gnode *nodes;
    size_t n_nodes, cap_nodes;
    gs_strtab node_names;
    gpair *pairs;
    size_t n_pairs, cap_pairs;
    uint32_t *globals; /* defs of lines without NodeName= */
    size_t n_globals, cap_globals;
    uint64_t total_gpus;
    uint64_t cells; /* GPU pairs of the nodes built so far */
    /* expansion state */
    gs_buf files;
    size_t at;
    uint32_t def;
    gs_status st;
} gctx;

static bool add_gpus(gctx *c, uint64_t n)
{
    c->total_gpus += n;
    return c->total_gpus <= SLURM_MAX_GPUS;
}

static bool on_gres_node(void *ctx, const char *name, size_t len)
{
    gctx *c = ctx;
    const gs_strtab_slot *s = gs_strtab_get(&c->node_names, name, len);
    uint32_t node;
    if (s) {
        node = s->val;
    } else {
        if (c->n_nodes >= SLURM_MAX_NODES) {
            c->st = perr(&c->r, c->at, "the file names more than %u nodes",
                         SLURM_MAX_NODES);
            return false;
        }
        if ((c->st = check_slurm_name(&c->r, c->at, "node", name)) != GS_OK)
            return false;
        char *copy = gs_arena_strndup(&c->arena, name, len);
        if (!copy || !GS_GROW(c->nodes, c->cap_nodes, c->n_nodes + 1) ||
            !gs_strtab_put(&c->node_names, copy, len, (uint32_t)c->n_nodes)) {
            c->st = oom(&c->r);
            return false;
        }
        node = (uint32_t)c->n_nodes++;
        c->nodes[node] = (gnode){copy, pos_at(&c->r, c->at), GS_NONE};
    }
    if (c->nodes[node].last_def == c->def)
        return true;
    c->nodes[node].last_def = c->def;
    if (!GS_GROW(c->pairs, c->cap_pairs, c->n_pairs + 1)) {
        c->st = oom(&c->r);
        return false;
    }
    c->pairs[c->n_pairs++] = (gpair){node, c->def};
    if (!add_gpus(c, c->defs[c->def].n)) {
        c->st = perr(&c->r, c->at, "the file describes more than %u GPUs",
                     SLURM_MAX_GPUS);
        return false;
    }
    return true;
}

static bool on_gres_file(void *ctx, const char *name, size_t len)
{
    gctx *c = ctx;
    gs_buf_put(&c->files, name, len + 1);
    if (c->files.failed) {
        c->st = oom(&c->r);
        return false;
    }
    return true;
}

/* Count=8, with Slurm's K/M/G/T/P multipliers (powers of 1024). */
static bool parse_count(const char *s, uint64_t *out)
{
    char num[24];
    size_t n = strlen(s);
    uint64_t mul = 1;
    if (n) {
        const char *suffixes = "KMGTP";
        const char *f = strchr(suffixes, s[n - 1] & ~0x20);
        if (s[n - 1] >= 'A' && f) {
            for (const char *q = suffixes; q <= f; q++)
                mul *= 1024;
            n--;
        }
    }
    if (!n || n >= sizeof num)
        return false;
    memcpy(num, s, n);
    num[n] = '\0';
    uint64_t v;
    if (!parse_uint(num, UINT32_MAX, &v) || v > UINT64_MAX / mul)
        return false;
    *out = v * mul;
    return true;
}

/* The Cores= set, shared by every line that gives the same CPUs. */
static gs_status gres_cores(gctx *c, size_t kv, uint32_t *set)
{
    sreader *r = &c->r;
    gs_cpu_range *ranges = NULL;
    size_t n = 0, bad = 0;
    /* Slurm's bit_fmt() writes "[0-3,8]"; its reader takes that back, and
     * its test suite's gres.conf files use it ("CPUs=[0-3]"). */
    const char *v = kv_val(r, kv);
    size_t off = 0, len = r->kv[kv].val_len;
    if (len > 2 && v[0] == '[' && v[len - 1] == ']') {
        off = 1;
        len -= 2;
    }
    gs_status st = gs_cpulist_parse(v + off, len, &ranges, &n, &bad);
    if (st == GS_ENOMEM)
        return oom(r);
    if (st != GS_OK)
        return perr(r, r->kv[kv].val + off + GS_MIN(bad, len),
                    "%s= must be a list of core numbers like 0-15,32-47",
                    kv_key(r, kv));
    gs_buf b = {0};
    gs_cpulist_format(&b, ranges, n);
    if (!gs_buf_finish(&b)) {
        gs_free(ranges);
        gs_buf_free(&b);
        return oom(r);
    }
    const gs_strtab_slot *s = gs_strtab_get(&c->set_names, b.data, b.len);
    if (s) {
        *set = s->val;
        gs_free(ranges);
        gs_buf_free(&b);
        return GS_OK;
    }
    char *text = gs_arena_strndup(&c->arena, b.data, b.len);
    gs_cpu_range *copy =
        n ? gs_arena_alloc(&c->arena, n * sizeof *copy, sizeof(uint32_t))
          : NULL;
    bool ok = text && (copy || !n) &&
              GS_GROW(c->sets, c->cap_sets, c->n_sets + 1) &&
              gs_strtab_put(&c->set_names, text, b.len, (uint32_t)c->n_sets);
    if (ok) {
        if (n)
            memcpy(copy, ranges, n * sizeof *copy);
        c->sets[c->n_sets] = (gset){copy, n, text};
        *set = (uint32_t)c->n_sets++;
    }
    gs_free(ranges);
    gs_buf_free(&b);
    return ok ? GS_OK : oom(r);
}

/* Links=-1,12,12,12: this GPU's NVLinks to each GPU of its node, in order;
 * -1 marks the GPU itself, 0 no NVLink. Empty entries ("0,,2", a trailing
 * comma) are skipped, as Slurm's strtok()-based reader skips them; real
 * files have such typos and Slurm takes them. */
static gs_status gres_links(gctx *c, size_t kv, gdef *d)
{
    sreader *r = &c->r;
    const char *v = kv_val(r, kv);
    size_t vlen = r->kv[kv].val_len, count = 0, commas = 0;
    for (size_t i = 0; i < vlen; i++) {
        commas += v[i] == ',';
        if (v[i] != ',' && (i == 0 || v[i - 1] == ','))
            count++;
    }
    if (count == 0)
        return perr(r, r->kv[kv].val,
                    "Links= lists no entries (one per GPU of the node)");
    if (count > GS_MAX_GPUS_PER_NODE)
        return perr(r, r->kv[kv].val,
                    "Links= has more entries than a node has GPUs (%u)",
                    GS_MAX_GPUS_PER_NODE);
    if (count < commas + 1)
        warn_pos(r, kv_val_pos(r, kv),
                 "Links=%.64s has empty entries: skipped, as Slurm does", v);
    int16_t *links = gs_arena_alloc(&c->arena, count * sizeof *links,
                                    sizeof *links);
    spos *at = gs_arena_alloc(&c->arena, count * sizeof *at, sizeof(uint32_t));
    if (!links || !at)
        return oom(r);
    size_t k = 0;
    for (size_t i = 0; i <= vlen;) {
        size_t j = i;
        while (j < vlen && v[j] != ',')
            j++;
        char num[8];
        size_t w = j - i;
        if (w == 0) {
            i = j + 1;
            continue;
        }
        bool neg = v[i] == '-';
        uint64_t u = 0;
        if (w < sizeof num) {
            memcpy(num, v + i + neg, w - neg);
            num[w - neg] = '\0';
        }
        if (w >= sizeof num || !parse_uint(num, 255, &u) || (neg && u != 1))
            return perr(r, r->kv[kv].val + i,
                        "Links= entries are -1 (this GPU), 0 (no NVLink) or "
                        "a number of NVLinks up to 255");
        links[k] = neg ? -1 : (int16_t)u;
        at[k] = pos_at(r, r->kv[kv].val + i);
        k++;
        i = j + 1;
    }
    d->links = links;
    d->link_at = at;
    d->n_links = (uint32_t)k;
    d->links_at = kv_val_pos(r, kv);
    return GS_OK;
}

/* Feature= (or Features=, AvailableFeatures=) and Weight= of a line: the
 * features go into the topology's table at once, so that a bad name or a
 * 65th one is reported where it stands. */
static gs_status gres_tags(gctx *c, const size_t *slot, gdef *d)
{
    sreader *r = &c->r;
    static const int feature_keys[] = {G_FEATURE, G_FEATURES,
                                       G_AVAILABLEFEATURES};
    size_t kv = NO_KV;
    int given = 0;
    for (size_t k = 0; k < GS_ARRAY_LEN(feature_keys); k++) {
        size_t at = slot[feature_keys[k]];
        if (at == NO_KV)
            continue;
        given++;
        if (kv == NO_KV || at > kv)
            kv = at;
    }
    if (given > 1)
        warn_pos(r, kv_key_pos(r, kv),
                 "Feature=, Features= and AvailableFeatures= are one key; "
                 "the last one on the line is used, as Slurm does");
    if (kv != NO_KV) {
        size_t bad = 0;
        gs_status st = gs_topo_intern_features(
            r->t, kv_val(r, kv), r->kv[kv].val_len, ',', NULL, &d->features,
            &bad, &r->t->err);
        if (st != GS_OK)
            return wrap_pos(r, pos_at(r, r->kv[kv].val + bad), st);
    }
    if (slot[G_ACTIVEFEATURES] != NO_KV)
        warn_pos(r, kv_key_pos(r, slot[G_ACTIVEFEATURES]),
                 "ActiveFeatures= noted and ignored (a node's features are "
                 "its Feature= or AvailableFeatures=)");
    if (slot[G_WEIGHT] != NO_KV) {
        kv = slot[G_WEIGHT];
        uint64_t w;
        if (!parse_uint(kv_val(r, kv), GS_NODE_WEIGHT_MAX, &w))
            return perr(r, r->kv[kv].val,
                        "Weight= must be a whole number from 0 to %u, not "
                        "\"%.64s\"",
                        GS_NODE_WEIGHT_MAX, kv_val(r, kv));
        d->has_weight = true;
        d->weight = (uint32_t)w;
        d->weight_at = kv_val_pos(r, kv);
    }
    return GS_OK;
}

static gs_status gres_line(gctx *c, bool *named)
{
    sreader *r = &c->r;
    if (reader_include(r))
        return GS_OK;
    gs_status st = reader_split(r);
    if (st != GS_OK || r->n_kv == 0)
        return st;
    size_t slot[G_NKEYS];
    reader_slots(r, gres_keys, G_NKEYS, slot);
    /* as Slurm reads them: File= before Files=, Link= before Links= */
    if (slot[G_FILE] == NO_KV)
        slot[G_FILE] = slot[G_FILES];
    if (slot[G_LINK] != NO_KV)
        slot[G_LINKS] = slot[G_LINK];
    if (slot[G_AUTODETECT] != NO_KV) {
        warn_pos(r, kv_key_pos(r, slot[G_AUTODETECT]),
                 "AutoDetect=%.64s noted: gpusched does not detect GPUs, it "
                 "reads the GPUs this file lists",
                 kv_val(r, slot[G_AUTODETECT]));
        if (slot[G_NAME] == NO_KV)
            return GS_OK;
    }
    if (slot[G_NAME] == NO_KV)
        return perr(r, r->kv[0].key,
                    "a gres.conf line needs Name= (e.g. Name=gpu) or "
                    "AutoDetect=");
    if (strcasecmp(kv_val(r, slot[G_NAME]), "gpu") != 0) {
        warn_pos(r, kv_val_pos(r, slot[G_NAME]),
                 "Name=%.64s is not a GPU (line skipped)",
                 kv_val(r, slot[G_NAME]));
        return GS_OK;
    }
    if (slot[G_FLAGS] != NO_KV)
        warn_pos(r, kv_key_pos(r, slot[G_FLAGS]),
                 "Flags=%.64s noted and ignored", kv_val(r, slot[G_FLAGS]));
    size_t kcores = slot[G_CORES];
    if (slot[G_CPUS] != NO_KV) {
        warn_pos(r, kv_key_pos(r, slot[G_CPUS]),
                 kcores == NO_KV
                     ? "CPUs= is the old name of Cores=; read as Cores="
                     : "CPUs= is the old name of Cores=; Cores= is used");
        if (kcores == NO_KV)
            kcores = slot[G_CPUS];
    }
    if (slot[G_FILE] != NO_KV && slot[G_MULTIPLEFILES] != NO_KV)
        return perr(r, r->kv[slot[G_MULTIPLEFILES]].key,
                    "File= and MultipleFiles= cannot be on one line");

    if (!GS_GROW(c->defs, c->cap_defs, c->n_defs + 1))
        return oom(r);
    gdef *d = &c->defs[c->n_defs];
    memset(d, 0, sizeof *d);
    d->at = kv_key_pos(r, 0);
    d->set = GS_NONE;

    if (slot[G_TYPE] != NO_KV) {
        size_t kv = slot[G_TYPE];
        const char *v = kv_val(r, kv);
        for (size_t i = 0; v[i]; i++)
            if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] >= 0x7f)
                return perr(r, r->kv[kv].val + i,
                            "Type= must be printable ASCII");
        if (r->kv[kv].val_len > GS_MAX_NAME)
            return perr(r, r->kv[kv].val,
                        "Type= is longer than %u characters", GS_MAX_NAME);
        if (!(d->model = gs_arena_strndup(&c->arena, v, r->kv[kv].val_len)))
            return oom(r);
    }
    uint64_t n = 1;
    bool counted = false;
    if (slot[G_FILE] != NO_KV) {
        size_t kv = slot[G_FILE];
        c->files.len = 0;
        c->files.failed = false;
        c->st = GS_OK;
        if ((st = expand_value(r, kv, GS_MAX_GPUS_PER_NODE, on_gres_file, c,
                               &c->st, "devices")) != GS_OK)
            return st;
        n = 0;
        for (size_t i = 0; i < c->files.len; i++)
            n += c->files.data[i] == '\0';
        char *files = gs_arena_alloc(&c->arena, c->files.len, 1);
        if (!files)
            return oom(r);
        memcpy(files, c->files.data, c->files.len);
        d->files = files;
        d->files_at = kv_val_pos(r, kv);
        counted = true;
    }
    if (slot[G_MULTIPLEFILES] != NO_KV)
        warn_pos(r, kv_key_pos(r, slot[G_MULTIPLEFILES]),
                 "MultipleFiles= is one GPU with several device files: read "
                 "as one GPU, the files are not checked");
    if (slot[G_COUNT] != NO_KV) {
        size_t kv = slot[G_COUNT];
        uint64_t cnt;
        if (!parse_count(kv_val(r, kv), &cnt))
            return perr(r, r->kv[kv].val,
                        "Count= must be a whole number (with an optional "
                        "K, M, G, T or P multiplier), not \"%.64s\"",
                        kv_val(r, kv));
        if (cnt > GS_MAX_GPUS_PER_NODE)
            return perr(r, r->kv[kv].val,
                        "Count=%.64s is more GPUs than a node can have (%u)",
                        kv_val(r, kv), GS_MAX_GPUS_PER_NODE);
        if (d->files && cnt != n)
            return perr(r, r->kv[kv].val,
                        "Count=%llu, but File= names %llu device%s",
                        (unsigned long long)cnt, (unsigned long long)n,
                        n == 1 ? "" : "s");
        n = cnt;
        counted = true;
    }
    if (!counted && slot[G_MULTIPLEFILES] == NO_KV)
        warn_pos(r, kv_key_pos(r, slot[G_NAME]),
                 "neither File= nor Count=: read as one GPU (Slurm would "
                 "take the count from slurm.conf)");
    d->n = (uint32_t)n;
    if (kcores != NO_KV) {
        if ((st = gres_cores(c, kcores, &d->set)) != GS_OK)
            return st;
        d->cores_at = kv_val_pos(r, kcores);
    }
    if (slot[G_LINKS] != NO_KV) {
        size_t kv = slot[G_LINKS];
        if (n != 1)
            return perr(r, r->kv[kv].key,
                        "Links= describes one GPU, but this line has %llu "
                        "(Slurm wants one line per GPU with Links=)",
                        (unsigned long long)n);
        if ((st = gres_links(c, kv, d)) != GS_OK)
            return st;
    }
    if ((st = gres_tags(c, slot, d)) != GS_OK)
        return st;
    c->def = (uint32_t)c->n_defs++;
    if (slot[G_NODENAME] == NO_KV) {
        if (!GS_GROW(c->globals, c->cap_globals, c->n_globals + 1))
            return oom(r);
        c->globals[c->n_globals++] = c->def;
        if (!add_gpus(c, d->n))
            return perr(r, r->kv[0].key, "the file describes more than %u GPUs",
                        SLURM_MAX_GPUS);
        return GS_OK;
    }
    *named = true;
    size_t kv = slot[G_NODENAME];
    c->at = r->kv[kv].val;
    c->st = GS_OK;
    return expand_value(r, kv, SLURM_MAX_NODES, on_gres_node, c, &c->st,
                        "nodes");
}

static bool sets_overlap(const gset *a, const gset *b)
{
    size_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        if (a->r[i].lo <= b->r[j].hi && b->r[j].lo <= a->r[i].hi)
            return true;
        if (a->r[i].hi < b->r[j].hi)
            i++;
        else
            j++;
    }
    return false;
}

/* Scratch space for building nodes, reused from node to node. */
typedef struct gscratch {
    uint32_t *defs;        /* the node's lines, in file order */
    uint32_t *set_first;   /* per local NUMA domain: the line giving it */
    uint32_t *set_of;      /* per local NUMA domain: its gset */
    const gdef **gpu_def;  /* per GPU */
    gs_strtab files;       /* device file -> line */
} gscratch;

static gs_status gres_node(gctx *c, gscratch *sc, const char *name, spos at,
                           size_t nd)
{
    sreader *r = &c->r;
    gs_topo *t = r->t;
    uint64_t total = 0;
    for (size_t k = 0; k < nd; k++) {
        const gdef *d = &c->defs[sc->defs[k]];
        total += d->n;
        if (total > GS_MAX_GPUS_PER_NODE)
            return perr_pos(r, d->at, GS_EPARSE,
                            "node \"%.64s\" would have more than %u GPUs",
                            name, GS_MAX_GPUS_PER_NODE);
    }
    if (total * total > SLURM_MAX_CELLS - c->cells)
        return perr_pos(r, at, GS_EPARSE,
                        "node \"%.64s\": the nodes of this file have more "
                        "than %llu GPU pairs in all (n GPUs make n x n; "
                        "nodes named on the same lines share theirs)",
                        name, (unsigned long long)SLURM_MAX_CELLS);
    c->cells += total * total;
    /* the same device file twice on one node is a mistake. The table is
     * cleared only when the last node used it, and dropped when it grew
     * far larger than that use: clearing a big one for each of 262,144
     * nodes would cost gigabytes of writes. */
    if (sc->files.cap > 64 && sc->files.count * 8 < sc->files.cap)
        gs_strtab_free(&sc->files);
    else if (sc->files.count)
        memset(sc->files.slots, 0, sc->files.cap * sizeof *sc->files.slots);
    sc->files.count = 0;
    for (size_t k = 0; k < nd; k++) {
        const gdef *d = &c->defs[sc->defs[k]];
        const char *f = d->files;
        for (uint32_t i = 0; f && i < d->n; i++, f += strlen(f) + 1) {
            const gs_strtab_slot *s = gs_strtab_get(&sc->files, f, strlen(f));
            if (s)
                return perr_pos(r, d->files_at, GS_EPARSE,
                                "node \"%.64s\": %.64s is given twice (line "
                                "%u and line %u)",
                                name, f, c->defs[s->val].at.line, d->at.line);
            if (!gs_strtab_put(&sc->files, f, strlen(f), sc->defs[k]))
                return oom(r);
        }
    }
    /* one NUMA domain per distinct Cores= set, in order of appearance */
    uint32_t nsets = 0;
    for (size_t k = 0; k < nd; k++) {
        const gdef *d = &c->defs[sc->defs[k]];
        if (d->set == GS_NONE || !d->n)
            continue;
        uint32_t j = 0;
        while (j < nsets && sc->set_of[j] != d->set)
            j++;
        if (j < nsets)
            continue;
        for (j = 0; j < nsets; j++)
            if (sets_overlap(&c->sets[sc->set_of[j]], &c->sets[d->set]))
                return perr_pos(
                    r, d->cores_at, GS_EPARSE,
                    "node \"%.64s\": Cores=%.64s overlaps Cores=%.64s (line "
                    "%u): each distinct Cores= set becomes a NUMA domain, and "
                    "a CPU is in one domain only",
                    name, c->sets[d->set].text, c->sets[sc->set_of[j]].text,
                    c->defs[sc->set_first[j]].at.line);
        sc->set_of[nsets] = d->set;
        sc->set_first[nsets] = sc->defs[k];
        nsets++;
    }
    uint32_t node;
    gs_status st = gs_topo_add_node(t, name, &node);
    if (st != GS_OK)
        return wrap_pos(r, at, st);
    for (uint32_t j = 0; j < nsets; j++)
        if ((st = gs_topo_add_numa(t, node, c->sets[sc->set_of[j]].text, 0,
                                   NULL)) != GS_OK)
            return wrap_pos(r, c->defs[sc->set_first[j]].cores_at, st);
    uint32_t g = 0;
    for (size_t k = 0; k < nd; k++) {
        const gdef *d = &c->defs[sc->defs[k]];
        gs_gpu_info info = GS_GPU_INFO_INIT;
        info.model = d->model;
        for (uint32_t j = 0; j < nsets && d->set != GS_NONE; j++)
            if (sc->set_of[j] == d->set)
                info.numa = j;
        for (uint32_t i = 0; i < d->n; i++) {
            if ((st = gs_topo_add_gpu(t, node, &info, NULL)) != GS_OK)
                return wrap_pos(r, d->at, st);
            sc->gpu_def[g++] = d;
        }
    }
    /* Links: each list covers every GPU of the node; two lists must agree
     * on the pair they share. */
    for (uint32_t a = 0; a < g; a++) {
        const gdef *d = sc->gpu_def[a];
        if (!d->n_links)
            continue;
        if (d->n_links != g)
            return perr_pos(r, d->links_at, GS_EPARSE,
                            "Links= has %u entr%s, but node \"%.64s\" has %u "
                            "GPU%s (one entry per GPU of the node)",
                            d->n_links, d->n_links == 1 ? "y" : "ies", name, g,
                            g == 1 ? "" : "s");
        for (uint32_t b = 0; b < g; b++) {
            if ((d->links[b] == -1) != (a == b))
                return perr_pos(r, d->link_at[b], GS_EPARSE,
                                a == b ? "Links= entry %u must be -1: on node "
                                         "\"%.64s\" this line is GPU %u"
                                       : "Links= entry %u is -1, but on node "
                                         "\"%.64s\" this line is GPU %u (-1 "
                                         "marks the GPU itself)",
                                b, name, a);
        }
    }
    for (uint32_t a = 0; a < g; a++) {
        for (uint32_t b = a + 1; b < g; b++) {
            const gdef *da = sc->gpu_def[a], *db = sc->gpu_def[b];
            int v;
            if (da->n_links && db->n_links) {
                if (da->links[b] != db->links[a])
                    return perr_pos(r, db->link_at[a], GS_EPARSE,
                                    "node \"%.64s\": GPU %u has %d NVLink%s "
                                    "to GPU %u, but line %u says %d the other "
                                    "way",
                                    name, b, db->links[a],
                                    db->links[a] == 1 ? "" : "s", a,
                                    da->at.line, da->links[b]);
                v = da->links[b];
            } else if (da->n_links) {
                v = da->links[b];
            } else if (db->n_links) {
                v = db->links[a];
            } else {
                continue;
            }
            if (v <= 0)
                continue;
            gs_link_info li = GS_LINK_INFO_INIT;
            li.nvlinks = (uint32_t)v;
            if ((st = gs_topo_set_link(t, node, a, b, &li)) != GS_OK)
                return wrap_pos(r, (da->n_links ? da : db)->links_at, st);
        }
    }
    return GS_OK;
}

/* Give the node just built the features of all its lines and their
 * weight (lines that give one must agree). */
static gs_status gres_node_tags(gctx *c, const gscratch *sc, size_t nd)
{
    gs_topo *t = c->r.t;
    gs_node_rec *n = &t->nodes[t->n_nodes - 1];
    const gdef *weighed = NULL;
    for (size_t k = 0; k < nd; k++) {
        const gdef *d = &c->defs[sc->defs[k]];
        n->features |= d->features;
        if (!d->has_weight)
            continue;
        if (weighed && d->weight != weighed->weight)
            return perr_pos(&c->r, d->weight_at, GS_EPARSE,
                            "node \"%.64s\": Weight=%u, but line %u gives "
                            "it Weight=%u (a node has one weight)",
                            n->name, d->weight, weighed->at.line,
                            weighed->weight);
        weighed = d;
        n->weight = d->weight;
    }
    return GS_OK;
}

static void scratch_free(gscratch *sc)
{
    gs_free(sc->defs);
    gs_free(sc->set_first);
    gs_free(sc->set_of);
    gs_free(sc->gpu_def);
    gs_strtab_free(&sc->files);
}

/* Build the nodes, in order of first appearance. Lines without NodeName=
 * apply to every node the file names (each slurmd reads them as its own);
 * in a file that names no node, they describe the one node
 * gs_load_hostname() gives. */
static gs_status gres_build(gctx *c, bool named)
{
    sreader *r = &c->r;
    gscratch sc;
    memset(&sc, 0, sizeof sc);
    size_t nn = named ? c->n_nodes : (c->n_globals ? 1 : 0);
    /* each line without NodeName= is one more line of every node */
    if (named && c->n_globals &&
        c->n_nodes > r->names_left / c->n_globals)
        return perr_pos(r, c->defs[c->globals[0]].at, GS_EPARSE,
                        "%zu lines without NodeName= apply to each of %zu "
                        "nodes: more than the %u (node, line) pairs "
                        "gpusched reads",
                        c->n_globals, c->n_nodes, SLURM_MAX_NAMES);
    size_t *start = gs_calloc(nn + 1, sizeof *start);
    uint32_t *order = gs_malloc((c->n_pairs ? c->n_pairs : 1) * sizeof *order);
    size_t max_defs = 0, prev_nd = 0;
    uint32_t *prev = NULL; /* the lines of the last node built */
    gs_status st = GS_OK;
    if (!start || !order)
        goto nomem;
    /* the lines of each node, in file order (a stable counting sort) */
    for (size_t i = 0; i < c->n_pairs; i++)
        start[c->pairs[i].node + 1]++;
    for (size_t i = 0; i < nn; i++) {
        max_defs = GS_MAX(max_defs, start[i + 1]);
        start[i + 1] += start[i];
    }
    {
        size_t *fill = gs_malloc((nn ? nn : 1) * sizeof *fill);
        if (!fill)
            goto nomem;
        memcpy(fill, start, nn * sizeof *fill);
        for (size_t i = 0; i < c->n_pairs; i++)
            order[fill[c->pairs[i].node]++] = c->pairs[i].def;
        gs_free(fill);
    }
    max_defs += c->n_globals;
    sc.defs = gs_malloc((max_defs ? max_defs : 1) * sizeof *sc.defs);
    sc.set_first = gs_malloc((max_defs ? max_defs : 1) * sizeof *sc.set_first);
    sc.set_of = gs_malloc((max_defs ? max_defs : 1) * sizeof *sc.set_of);
    sc.gpu_def = gs_malloc(GS_MAX_GPUS_PER_NODE * sizeof *sc.gpu_def);
    prev = gs_malloc((max_defs ? max_defs : 1) * sizeof *prev);
    if (!sc.defs || !sc.set_first || !sc.set_of || !sc.gpu_def || !prev)
        goto nomem;
    for (size_t i = 0; i < nn && st == GS_OK; i++) {
        /* merge the node's lines with the lines for every node */
        size_t a = start[i], ae = named ? start[i + 1] : start[i], b = 0,
               nd = 0;
        while (a < ae || b < c->n_globals) {
            if (b == c->n_globals || (a < ae && order[a] < c->globals[b]))
                sc.defs[nd++] = order[a++];
            else
                sc.defs[nd++] = c->globals[b++];
        }
        if (!named) {
            st = gres_node(c, &sc, gs_load_hostname(r->o), c->defs[0].at, nd);
            if (st == GS_OK)
                st = gres_node_tags(c, &sc, nd);
            break;
        }
        /* Nodes named by the same lines have the same hardware: they share
         * the node type of the first (copy on write keeps that safe), which
         * saves building and hashing it again for each. */
        if (i && nd == prev_nd && !memcmp(sc.defs, prev, nd * sizeof *prev)) {
            gs_topo *t = r->t;
            st = gs_topo_add_node_typed(t, c->nodes[i].name,
                                        t->nodes[t->n_nodes - 1].type, NULL,
                                        NULL);
            if (st != GS_OK)
                st = wrap_pos(r, c->nodes[i].at, st);
            else
                st = gres_node_tags(c, &sc, nd);
            continue;
        }
        st = gres_node(c, &sc, c->nodes[i].name, c->nodes[i].at, nd);
        if (st == GS_OK)
            st = gres_node_tags(c, &sc, nd);
        memcpy(prev, sc.defs, nd * sizeof *prev);
        prev_nd = nd;
    }
    goto out;
nomem:
    st = oom(r);
out:
    scratch_free(&sc);
    gs_free(prev);
    gs_free(start);
    gs_free(order);
    return st;
}

gs_status gs_import_slurm_gres(gs_topo *t, const char *text, size_t len,
                               const char *name, const gs_load_options *o)
{
    gctx c;
    memset(&c, 0, sizeof c);
    c.r = (sreader){.text = text, .len = len, .line = 1, .name = name,
                    .t = t, .o = o, .names_left = SLURM_MAX_NAMES};
    if (o && o->node_templates && *o->node_templates)
        gs_load_warn(o,
                     "%s: node templates describe the nodes of a "
                     "topology.conf; a gres.conf gives its own GPUs, so they "
                     "are ignored",
                     name);
    gs_status st = GS_OK;
    bool named = false;
    for (;;) {
        bool got;
        if ((st = reader_next(&c.r, &got)) != GS_OK || !got)
            break;
        if ((st = gres_line(&c, &named)) != GS_OK)
            break;
    }
    if (st == GS_OK)
        st = gres_build(&c, named);
    gs_arena_free(&c.arena);
    gs_free(c.defs);
    gs_free(c.sets);
    gs_strtab_free(&c.set_names);
    gs_free(c.nodes);
    gs_strtab_free(&c.node_names);
    gs_free(c.pairs);
    gs_free(c.globals);
    gs_buf_free(&c.files);
    reader_free(&c.r);
    return st;
}
