/*
 * Importer for `nvidia-smi topo -m` text, as printed (tab-separated) or as
 * pasted into issues and documents (tabs expanded to spaces). The rules it
 * applies (column assignment, NUMA domains, NVSwitch fabrics, PCIe levels
 * hidden behind NV# cells) are documented in docs/formats.md; the
 * comments here say why each one is the way it is.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "import/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The most NVLinks any NVIDIA GPU has (H100, B200: 18; A100: 12; V100: 6).
 * A full mesh of direct wires needs NV# x (GPUs - 1) links per GPU, so a
 * uniform NV# matrix beyond this budget can only be a switch fabric. */
#define SMI_MAX_LINKS_PER_GPU 18u
/* Lines skipped with a warning before the rest are skipped silently. */
#define SMI_MAX_SKIP_WARNINGS 10u
/* Size bound of the fallback column alignment (per side). */
#define SMI_ALIGN_MAX 32u

/* A cell code: CODE_X, a gs_pcie_level (1..5), or CODE_NV + count. */
enum { CODE_X = 0, CODE_NV = 0x100 };
/* parse_cell() results */
enum { CELL_NOT = 0, CELL_OK = 1, CELL_BAD_NV = 2 };

/* One cell of a line: byte offset and length in the line, and its column
 * once tabs are expanded to 8-column stops (what a terminal shows, and
 * what text pasted from a terminal keeps). len 0: an empty cell between
 * two tabs. */
typedef struct tok {
    size_t off, len, vcol;
} tok;

typedef enum col_role { COL_IGNORED, COL_CPU, COL_NUMA, COL_GPU_NUMA } col_role;

/* A header column after the GPU and NIC columns. */
typedef struct tail_col {
    col_role role;
    size_t vcol;
} tail_col;

/* A value cell kept for later: where it is, for messages. */
typedef struct val {
    const char *s; /* NULL: absent, empty or N/A */
    size_t len;
    uint32_t line, col;
} val;

typedef struct row {
    uint32_t line, col; /* of the row label */
    uint32_t *cols;     /* column of each GPU cell */
    uint16_t *cells;    /* n GPU cells, then m NIC cells */
    val cpu, numa;
} row;

typedef struct nic_name {
    const char *s;
    size_t len;
} nic_name;

/* What the importer learns about each GPU's locality. */
typedef struct gpu_aff {
    gs_cpu_range *cpus;
    size_t n_cpus;
    gs_cpu_range *ids; /* NUMA Affinity: one node or a list of them */
    size_t n_ids;
    uint32_t numa_id; /* its first (lowest) node, GS_NONE if none */
    uint32_t dom;     /* NUMA domain index on the node, GS_NONE if none */
} gpu_aff;

typedef struct ctx {
    gs_topo *t;
    const char *name;
    const gs_load_options *o;
    /* the current line */
    const char *lp;
    size_t llen;
    uint32_t line;
    bool tabs;
    tok *toks;
    size_t n_toks, cap_toks;
    /* the header */
    bool have_header;
    uint32_t header_line;
    uint32_t n, m; /* GPU and NIC columns */
    uint32_t *gpu_hcol;
    size_t cap_gpu_hcol;
    nic_name *nics;
    size_t cap_nics;
    gs_strtab nic_names; /* NIC column names (into the header line) */
    tail_col *tail;
    size_t n_tail, cap_tail;
    bool has_cpu, has_numa;
    /* the GPU rows, by index */
    row **rows;
    gpu_aff *aff;
    uint32_t skipped;
    bool numa_ids; /* domains come from NUMA Affinity (their ids known) */
} ctx;

/* ---- messages ---------------------------------------------------------- */

static gs_status perr(ctx *c, uint32_t line, uint32_t col, const char *fmt,
                      ...) GS_PRINTF(4, 5);
static gs_status perr(ctx *c, uint32_t line, uint32_t col, const char *fmt,
                      ...)
{
    char msg[GS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return gs_errf(&c->t->err, GS_EPARSE, "%s:%u:%u: %s", c->name, line, col,
                   msg);
}

static void pwarn(ctx *c, uint32_t line, uint32_t col, const char *fmt, ...)
    GS_PRINTF(4, 5);
static void pwarn(ctx *c, uint32_t line, uint32_t col, const char *fmt, ...)
{
    if (!c->o || !c->o->warn)
        return;
    char msg[GS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    gs_load_warn(c->o, "%s:%u:%u: %s", c->name, line, col, msg);
}

static gs_status oom(ctx *c)
{
    return gs_errf(&c->t->err, GS_ENOMEM, "out of memory");
}

/* Text from the input, made safe to print: the fuzzer feeds control bytes
 * and NULs, and a message must stay one readable line. */
typedef struct shown {
    char s[48];
} shown;

static shown show(const char *s, size_t len)
{
    shown out;
    size_t max = sizeof out.s - 4, k = 0;
    for (size_t i = 0; i < len && k < max; i++) {
        unsigned char ch = (unsigned char)s[i];
        out.s[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (len > max) {
        memcpy(out.s + k, "...", 3);
        k += 3;
    }
    out.s[k] = '\0';
    return out;
}

static shown code_name(uint16_t code)
{
    shown out;
    if (code == CODE_X)
        snprintf(out.s, sizeof out.s, "X");
    else if (code >= CODE_NV)
        snprintf(out.s, sizeof out.s, "NV%u", (unsigned)(code - CODE_NV));
    else
        snprintf(out.s, sizeof out.s, "%s",
                 gs_pcie_level_name((gs_pcie_level)code));
    return out;
}

static uint32_t col_of(const tok *tk) { return (uint32_t)(tk->off + 1); }

/* ---- lines and cells --------------------------------------------------- */

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\r' || ch == '\v' || ch == '\f';
}

static bool push_tok(ctx *c, size_t off, size_t len, size_t vcol)
{
    if (!GS_GROW(c->toks, c->cap_toks, c->n_toks + 1))
        return false;
    c->toks[c->n_toks++] = (tok){off, len, vcol};
    return true;
}

/* Length of the ANSI control sequence (ESC [ parameters final-byte) at
 * p[i], or 0. nvidia-smi underlines the header with ESC[4m ... ESC[0m,
 * also when its output goes to a file or a pipe; on a terminal the
 * sequences take no room, so they separate cells and have no width. */
static size_t csi_len(const char *p, size_t len, size_t i)
{
    if (i + 1 >= len || p[i] != '\x1b' || p[i + 1] != '[')
        return 0;
    size_t j = i + 2;
    while (j < len && p[j] >= 0x30 && p[j] <= 0x3f)
        j++; /* parameters */
    while (j < len && p[j] >= 0x20 && p[j] <= 0x2f)
        j++; /* intermediates */
    return j < len && p[j] >= 0x40 && p[j] <= 0x7e ? j + 1 - i : 0;
}

/* Length of the part of a glued word that s starts with, or 0: a PCIe
 * level or NV# cell, or (label) a column name NIC<k> or GPU<k>. */
static size_t glued_part(const char *s, size_t len, bool label)
{
    static const char *const names[] = {"NODE", "PIX", "PXB", "PHB", "SYS",
                                        "SOC"};
    size_t k = 0;
    if (label && len > 3 &&
        (memcmp(s, "NIC", 3) == 0 || memcmp(s, "GPU", 3) == 0))
        k = 3;
    else if (!label && len > 2 && s[0] == 'N' && s[1] == 'V')
        k = 2;
    if (k) {
        size_t d = k;
        while (d < len && s[d] >= '0' && s[d] <= '9')
            d++;
        return d > k ? d : 0;
    }
    if (!label)
        for (size_t i = 0; i < GS_ARRAY_LEN(names); i++) {
            size_t n = strlen(names[i]);
            if (len >= n && memcmp(s, names[i], n) == 0)
                return n;
        }
    return 0;
}

/* Number of parts word w (n bytes) splits into, all of one kind, or 0. */
static size_t glued_parts(const char *w, size_t n, bool label)
{
    size_t parts = 0, k = 0;
    while (k < n) {
        size_t m = glued_part(w + k, n - k, label);
        if (m == 0)
            return 0;
        k += m;
        parts++;
    }
    return parts;
}

/* Push the word p[s..s+n) as one cell, or as several when it is cells or
 * column names written without a blank between them. nvidia-smi itself
 * drops the tab between two NIC columns when there are many of them, in
 * the header ("NIC8NIC9") and in every row ("NODENODE", "NODEPXB"); some
 * pastes lose one too. A word that spells two or more PCIe levels or NV#
 * cells and nothing else, or two or more NIC<k> or GPU<k> names, can only
 * be that, and is read without a warning (it is what nvidia-smi prints). */
static bool push_word(ctx *c, size_t s, size_t n, size_t vc)
{
    const char *w = c->lp + s;
    bool label = false;
    size_t parts = glued_parts(w, n, false);
    if (parts < 2) {
        label = true;
        parts = glued_parts(w, n, true);
    }
    if (parts < 2)
        return push_tok(c, s, n, vc);
    for (size_t k = 0; k < n;) {
        size_t m = glued_part(w + k, n - k, label);
        if (!push_tok(c, s + k, m, vc + k))
            return false;
        k += m;
    }
    return true;
}

/* Cut the current line into cells. With a tab anywhere in the line, tabs
 * separate cells and an empty cell between two tabs is kept (it says "no
 * value here"); words a tab cell holds are still separate cells, so a line
 * mixing tabs and spaces reads as it looks. Without tabs, runs of spaces
 * separate cells and empty cells cannot be seen (see assign_tail). ANSI
 * control sequences separate cells too and take no columns. */
static bool split_line(ctx *c)
{
    const char *p = c->lp;
    size_t len = c->llen, i = 0, vc = 0;
    c->n_toks = 0;
    c->tabs = memchr(p, '\t', len) != NULL;
    for (;;) {
        bool any = false;
        while (i < len && p[i] != '\t') {
            size_t e = csi_len(p, len, i);
            if (e) {
                i += e;
                continue;
            }
            if (is_blank(p[i])) {
                i++;
                vc++;
                continue;
            }
            size_t s = i, svc = vc;
            while (i < len && p[i] != '\t' && !is_blank(p[i]) &&
                   !csi_len(p, len, i)) {
                i++;
                vc++;
            }
            if (!push_word(c, s, i - s, svc))
                return false;
            any = true;
        }
        if (c->tabs && !any && !push_tok(c, i, 0, vc))
            return false;
        if (i >= len)
            return true;
        i++; /* the tab */
        vc = (vc / 8 + 1) * 8;
    }
}

/* Index of the first non-empty cell at or after i, or n_toks. */
static size_t next_cell(const ctx *c, size_t i)
{
    while (i < c->n_toks && c->toks[i].len == 0)
        i++;
    return i;
}

static bool tok_is(const ctx *c, size_t i, const char *word)
{
    size_t n = strlen(word);
    return i < c->n_toks && c->toks[i].len == n &&
           strncasecmp(c->lp + c->toks[i].off, word, n) == 0;
}

static bool is_na(const char *s, size_t len)
{
    return len == 3 && strncasecmp(s, "N/A", 3) == 0;
}

/* "GPU<k>" with k written without leading zeros. */
static bool parse_gpu_label(const char *s, size_t len, uint32_t *k)
{
    if (len < 4 || len > 9 || memcmp(s, "GPU", 3) != 0 ||
        (s[3] == '0' && len > 4))
        return false;
    uint32_t v = 0;
    for (size_t i = 3; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    *k = v;
    return true;
}

static bool tok_gpu_label(const ctx *c, size_t i, uint32_t *k)
{
    return i < c->n_toks &&
           parse_gpu_label(c->lp + c->toks[i].off, c->toks[i].len, k);
}

/* A GPU or NIC cell: X, NV#, PIX, PXB, PHB, NODE, SYS, and SOC (what
 * drivers before CUDA 9 printed for SYS). */
static int parse_cell(const char *s, size_t len, uint16_t *code)
{
    if (len == 1 && s[0] == 'X') {
        *code = CODE_X;
        return CELL_OK;
    }
    if (len > 2 && s[0] == 'N' && s[1] == 'V') {
        uint32_t v = 0;
        for (size_t i = 2; i < len; i++) {
            if (s[i] < '0' || s[i] > '9')
                return CELL_NOT;
            if (v < 100000)
                v = v * 10 + (uint32_t)(s[i] - '0');
        }
        if (v == 0 || v > 255)
            return CELL_BAD_NV;
        *code = (uint16_t)(CODE_NV + v);
        return CELL_OK;
    }
    static const char *const names[] = {"PIX", "PXB", "PHB", "NODE", "SYS"};
    for (size_t k = 0; k < GS_ARRAY_LEN(names); k++)
        if (len == strlen(names[k]) && memcmp(s, names[k], len) == 0) {
            *code = (uint16_t)(GS_PCIE_PIX + k);
            return CELL_OK;
        }
    if (len == 3 && memcmp(s, "SOC", 3) == 0) {
        *code = GS_PCIE_SYS;
        return CELL_OK;
    }
    return CELL_NOT;
}

static bool tok_is_cell(const ctx *c, size_t i)
{
    uint16_t code;
    return i < c->n_toks && c->toks[i].len &&
           parse_cell(c->lp + c->toks[i].off, c->toks[i].len, &code) !=
               CELL_NOT;
}

/* ---- the header -------------------------------------------------------- */

/* The column names after the NIC columns that have a meaning. Their words
 * are separated by one space; in text without tabs that is the only way to
 * tell them from two columns. */
static const struct {
    const char *words[3];
    col_role role;
} tail_names[] = {
    {{"CPU", "Affinity", NULL}, COL_CPU},
    {{"NUMA", "Affinity", NULL}, COL_NUMA},
    {{"GPU", "NUMA", "ID"}, COL_GPU_NUMA},
};

/* Number of cells from i that spell a known column name (0 if none). */
static size_t match_tail_name(const ctx *c, size_t i, col_role *role)
{
    for (size_t k = 0; k < GS_ARRAY_LEN(tail_names); k++) {
        size_t w = 0;
        for (; w < 3 && tail_names[k].words[w]; w++) {
            if (!tok_is(c, i + w, tail_names[k].words[w]))
                break;
            if (w > 0) {
                const tok *a = &c->toks[i + w - 1], *b = &c->toks[i + w];
                if (b->off != a->off + a->len + 1 ||
                    c->lp[a->off + a->len] != ' ')
                    break;
            }
        }
        if (w == 3 || (w < 3 && !tail_names[k].words[w])) {
            *role = tail_names[k].role;
            return w;
        }
    }
    return 0;
}

static gs_status add_tail(ctx *c, col_role role, const tok *tk)
{
    if (!GS_GROW(c->tail, c->cap_tail, c->n_tail + 1))
        return oom(c);
    c->tail[c->n_tail++] = (tail_col){role, tk->vcol};
    return GS_OK;
}

static gs_status parse_header(ctx *c, size_t i)
{
    c->have_header = true;
    c->header_line = c->line;
    /* GPU0, GPU1... first, numbered without gaps */
    for (i = next_cell(c, i); i < c->n_toks; i = next_cell(c, i + 1)) {
        const tok *tk = &c->toks[i];
        uint32_t k;
        if (!tok_gpu_label(c, i, &k))
            break;
        if (k != c->n)
            return perr(c, c->line, col_of(tk),
                        "header column %s: expected GPU%u (GPU columns are "
                        "numbered from 0, without gaps)",
                        show(c->lp + tk->off, tk->len).s, c->n);
        if (c->n >= GS_MAX_GPUS_PER_NODE)
            return perr(c, c->line, col_of(tk), "more than %u GPU columns",
                        GS_MAX_GPUS_PER_NODE);
        if (!GS_GROW(c->gpu_hcol, c->cap_gpu_hcol, (size_t)c->n + 1))
            return oom(c);
        c->gpu_hcol[c->n++] = col_of(tk);
    }
    /* then NIC columns (NIC0... or device names like mlx5_0), then the
     * affinity columns; anything else after those is ignored */
    while ((i = next_cell(c, i)) < c->n_toks) {
        const tok *tk = &c->toks[i];
        col_role role;
        size_t words = match_tail_name(c, i, &role);
        uint32_t k;
        gs_status st;
        if (words) {
            bool dup = (role == COL_CPU && c->has_cpu) ||
                       (role == COL_NUMA && c->has_numa);
            if (dup)
                pwarn(c, c->line, col_of(tk),
                      "second \"%s\" column ignored",
                      role == COL_CPU ? "CPU Affinity" : "NUMA Affinity");
            if ((st = add_tail(c, dup ? COL_IGNORED : role, tk)) != GS_OK)
                return st;
            c->has_cpu |= role == COL_CPU;
            c->has_numa |= role == COL_NUMA;
            i += words;
            continue;
        }
        if (tok_gpu_label(c, i, &k))
            return perr(c, c->line, col_of(tk),
                        "header column GPU%u comes after the NIC or affinity "
                        "columns; GPU columns come first",
                        k);
        if (c->n_tail == 0) {
            const char *nm = c->lp + tk->off;
            if (!GS_GROW(c->nics, c->cap_nics, (size_t)c->m + 1) ||
                (!gs_strtab_get(&c->nic_names, nm, tk->len) &&
                 !gs_strtab_put(&c->nic_names, nm, tk->len, c->m)))
                return oom(c);
            c->nics[c->m++] = (nic_name){nm, tk->len};
        } else {
            pwarn(c, c->line, col_of(tk), "unknown column \"%s\" ignored",
                  show(c->lp + tk->off, tk->len).s);
            if ((st = add_tail(c, COL_IGNORED, tk)) != GS_OK)
                return st;
        }
        i++;
    }
    if (c->n == 0) /* cannot happen: the line starts with GPU0 */
        return perr(c, c->line, 1, "no GPU columns in the header");
    c->rows = gs_calloc(c->n, sizeof *c->rows);
    return c->rows ? GS_OK : oom(c);
}

/* ---- the values after the matrix cells --------------------------------- */

static size_t absdiff(size_t a, size_t b) { return a > b ? a - b : b - a; }

/* Fallback for text whose spacing is not 8-column tab stops (aligned by
 * hand, or re-indented): put the k values into k of the h columns, in
 * order, so that the values start as near as possible to their column's
 * name (least total distance; ties go to the earlier column). */
static bool align_by_position(const ctx *c, size_t first, size_t k,
                              size_t *colv)
{
    size_t h = c->n_tail;
    if (k > SMI_ALIGN_MAX || h > SMI_ALIGN_MAX)
        return false;
    uint64_t d[SMI_ALIGN_MAX + 1][SMI_ALIGN_MAX + 1];
    const uint64_t inf = UINT64_MAX / 4;
    for (size_t j = 0; j <= h; j++)
        d[0][j] = 0;
    for (size_t i = 1; i <= k; i++)
        for (size_t j = 0; j <= h; j++) {
            d[i][j] = inf;
            if (j < i)
                continue;
            uint64_t skip = d[i][j - 1];
            uint64_t take = d[i - 1][j - 1] +
                            GS_MIN(absdiff(c->toks[first + i - 1].vcol,
                                           c->tail[j - 1].vcol),
                                   (size_t)1 << 24);
            d[i][j] = GS_MIN(skip, take);
        }
    for (size_t i = k, j = h; i > 0; j--) {
        if (j > i && d[i][j] == d[i][j - 1])
            continue; /* leave column j-1 empty: the value goes further left */
        colv[i - 1] = j - 1;
        i--;
    }
    return true;
}

/* Give each value after the matrix cells of GPU gpu's row (cells
 * first..n_toks) its header column.
 *
 * nvidia-smi writes a tab after each value, and one more after "NUMA
 * Affinity" when a "GPU NUMA ID" column follows ("0-31\t0\t\tN/A"), so a
 * row can hold more cells than the header has names; an empty value is an
 * empty cell ("\t\t0"). Rule: values keep their order; empty cells count
 * as values from the left for as long as there are columns to spare; the
 * rest of the empty cells (the rightmost) are dropped.
 *
 * Without tabs, empty cells leave no mark but extra spaces. When the row
 * has a value for every column they match in order. When it has fewer,
 * and each value starts on an 8-column tab stop, the empty cells are
 * recovered from the width of the gaps (text pasted from a terminal keeps
 * the tab stops) and the rule above applies; otherwise the values go to
 * the columns nearest to where they start. */
static void assign_tail(ctx *c, row *r, uint32_t gpu, size_t first)
{
    size_t h = c->n_tail, k = 0;
    size_t vals[SMI_ALIGN_MAX];
    size_t colv[SMI_ALIGN_MAX];
    size_t gapv[SMI_ALIGN_MAX];
    bool tabs_ok = true;
    size_t prev_end = first > 0 ? c->toks[first - 1].vcol +
                                      c->toks[first - 1].len
                                : 0;
    size_t empties = 0;
    for (size_t i = first; i < c->n_toks; i++) {
        const tok *tk = &c->toks[i];
        if (tk->len == 0) {
            empties++;
            continue;
        }
        if (k == SMI_ALIGN_MAX && k < h)
            break; /* only ignored columns are that far right */
        if (k == h) {
            pwarn(c, c->line, col_of(tk),
                  "GPU%u row has more values than the header has columns "
                  "after the GPU and NIC columns (%zu); \"%s\" and what "
                  "follows ignored",
                  gpu, h, show(c->lp + tk->off, tk->len).s);
            break;
        }
        if (!c->tabs) {
            /* empty cells a tab-stop layout would have had before it */
            size_t stop = (prev_end / 8 + 1) * 8;
            if (tk->vcol < stop || (tk->vcol - stop) % 8 != 0)
                tabs_ok = false;
            else
                empties = (tk->vcol - stop) / 8;
            prev_end = tk->vcol + tk->len;
        }
        vals[k] = i;
        gapv[k] = empties;
        empties = 0;
        k++;
    }
    if (k == 0)
        return;
    bool placed = false;
    if (!c->tabs && k < h && !tabs_ok)
        placed = align_by_position(c, vals[0], k, colv);
    if (!placed) {
        /* tabs, or tab stops recovered, or in order */
        bool gaps = c->tabs || (k < h && tabs_ok);
        size_t spare = h - k, col = 0;
        for (size_t v = 0; v < k; v++) {
            size_t e = gaps ? GS_MIN(gapv[v], spare) : 0;
            spare -= e;
            col += e;
            colv[v] = col++;
        }
    }
    for (size_t v = 0; v < k; v++) {
        const tok *tk = &c->toks[vals[v]];
        const char *s = c->lp + tk->off;
        val x = {is_na(s, tk->len) ? NULL : s, tk->len, c->line, col_of(tk)};
        if (c->tail[colv[v]].role == COL_CPU)
            r->cpu = x;
        else if (c->tail[colv[v]].role == COL_NUMA)
            r->numa = x;
    }
}

/* ---- rows -------------------------------------------------------------- */

/* A value that belongs after the matrix cells (so a row that reaches one
 * early is short of cells, rather than holding an unknown cell). */
static bool looks_like_value(const char *s, size_t len)
{
    return len == 0 || (s[0] >= '0' && s[0] <= '9') || is_na(s, len);
}

static gs_status short_row(ctx *c, uint32_t k, uint32_t q, uint32_t line,
                           uint32_t col)
{
    if (q < c->n)
        return perr(c, line, col,
                    "GPU%u row has %u GPU cell%s; the header has %u GPU "
                    "columns",
                    k, q, q == 1 ? "" : "s", c->n);
    return perr(c, line, col,
                "GPU%u row has %u NIC cell%s; the header has %u NIC columns",
                k, q - c->n, q - c->n == 1 ? "" : "s", c->m);
}

/* "GPU2" or "NIC column mlx5_0": the column of cell q of a row. */
static shown cell_what(const ctx *c, uint32_t q)
{
    shown w;
    if (q < c->n)
        snprintf(w.s, sizeof w.s, "GPU%u", q);
    else
        snprintf(w.s, sizeof w.s, "NIC column %.36s",
                 show(c->nics[q - c->n].s, c->nics[q - c->n].len).s);
    return w;
}

static gs_status parse_gpu_row(ctx *c, size_t li, uint32_t k)
{
    const tok *label = &c->toks[li];
    if (k >= c->n)
        return perr(c, c->line, col_of(label),
                    "GPU%u row, but the header (line %u) has %u GPU column%s",
                    k, c->header_line, c->n, c->n == 1 ? "" : "s");
    if (c->rows[k])
        return perr(c, c->line, col_of(label),
                    "second GPU%u row (the first is line %u)", k,
                    c->rows[k]->line);
    size_t need = (size_t)c->n + c->m;
    row *r = gs_calloc(1, sizeof *r + c->n * sizeof(uint32_t) +
                              need * sizeof(uint16_t));
    if (!r)
        return oom(c);
    r->line = c->line;
    r->col = col_of(label);
    r->cols = (uint32_t *)(r + 1);
    r->cells = (uint16_t *)(r->cols + c->n);
    gs_status st = GS_OK;
    for (uint32_t q = 0; q < need; q++) {
        size_t ti = li + 1 + q;
        if (ti >= c->n_toks || next_cell(c, ti) == c->n_toks) {
            /* the line ends (perhaps with empty cells) before the row does */
            const tok *last = &c->toks[ti < c->n_toks ? ti : c->n_toks - 1];
            st = short_row(c, k, q, c->line,
                           (uint32_t)(last->off + last->len + 1));
            goto fail;
        }
        const tok *tk = &c->toks[ti];
        const char *s = c->lp + tk->off;
        uint16_t code = 0;
        int pc = tk->len ? parse_cell(s, tk->len, &code) : CELL_NOT;
        if (tk->len == 0) {
            st = perr(c, c->line, col_of(tk),
                      "GPU%u row: the cell for %s is empty", k,
                      cell_what(c, q).s);
            goto fail;
        }
        if (pc == CELL_BAD_NV) {
            st = perr(c, c->line, col_of(tk),
                      "GPU%u row: \"%s\" for %s: NV# counts go from 1 to 255",
                      k, show(s, tk->len).s, cell_what(c, q).s);
            goto fail;
        }
        if (pc == CELL_NOT) {
            if (looks_like_value(s, tk->len))
                st = short_row(c, k, q, c->line, col_of(tk));
            else
                st = perr(c, c->line, col_of(tk),
                          "GPU%u row: unknown cell \"%s\" for %s (expected X, "
                          "NV#, PIX, PXB, PHB, NODE or SYS)",
                          k, show(s, tk->len).s, cell_what(c, q).s);
            goto fail;
        }
        if (q == k && code != CODE_X) {
            st = perr(c, c->line, col_of(tk),
                      "GPU%u row: the diagonal cell must be \"X\", not \"%s\"",
                      k, show(s, tk->len).s);
            goto fail;
        }
        if (q != k && code == CODE_X) {
            st = perr(c, c->line, col_of(tk),
                      "GPU%u row: \"X\" for %s; X marks the diagonal only", k,
                      cell_what(c, q).s);
            goto fail;
        }
        if (q < c->n)
            r->cols[q] = col_of(tk);
        r->cells[q] = code;
    }
    size_t after = li + 1 + need;
    if (tok_is_cell(c, after)) {
        const tok *tk = &c->toks[after];
        st = perr(c, c->line, col_of(tk),
                  "GPU%u row has more cells than the header has GPU and NIC "
                  "columns (%u + %u): \"%s\"",
                  k, c->n, c->m, show(c->lp + tk->off, tk->len).s);
        goto fail;
    }
    assign_tail(c, r, k, after);
    c->rows[k] = r;
    return GS_OK;
fail:
    gs_free(r);
    return st;
}

static bool is_nic_row(const ctx *c, size_t i)
{
    const tok *tk = &c->toks[i];
    return gs_strtab_get(&c->nic_names, c->lp + tk->off, tk->len) != NULL;
}

static void skip_line(ctx *c, size_t i, const char *why)
{
    c->skipped++;
    if (c->skipped <= SMI_MAX_SKIP_WARNINGS)
        pwarn(c, c->line, col_of(&c->toks[i]), "%s, skipped%s", why,
              c->skipped == SMI_MAX_SKIP_WARNINGS
                  ? " (further skipped lines are not reported)"
                  : "");
}

/* Read the lines: text before the header is skipped, the matrix ends at a
 * legend, a second header or the end of the text. */
static gs_status read_lines(ctx *c, const char *text, size_t len)
{
    size_t pos = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        c->lp = text + pos;
        c->llen = end - pos;
        if (c->line < UINT32_MAX)
            c->line++;
        pos = end + 1;
        if (!split_line(c))
            return oom(c);
        size_t i = next_cell(c, 0);
        if (i == c->n_toks)
            continue;
        uint32_t k;
        bool label = tok_gpu_label(c, i, &k);
        bool cells = label && tok_is_cell(c, next_cell(c, i + 1));
        if (!c->have_header) {
            if (label && cells)
                return perr(c, c->line, col_of(&c->toks[i]),
                            "GPU%u row before any header (the line naming "
                            "the columns GPU0 GPU1 ...)",
                            k);
            if (label && k == 0) {
                gs_status st = parse_header(c, i);
                if (st != GS_OK)
                    return st;
                continue;
            }
            skip_line(c, i, "not part of the matrix");
            continue;
        }
        if (tok_is(c, i, "Legend:") ||
            (tok_is(c, i, "NIC") && tok_is(c, i + 1, "Legend:")))
            return GS_OK; /* the legends explain the cells: nothing to read */
        if (label) {
            size_t j = next_cell(c, i + 1);
            col_role role;
            uint32_t k1;
            if (k == 0 && !cells && j < c->n_toks &&
                ((tok_gpu_label(c, j, &k1) && k1 == 1) ||
                 match_tail_name(c, j, &role))) {
                pwarn(c, c->line, col_of(&c->toks[i]),
                      "a second header: this matrix and what follows "
                      "ignored");
                return GS_OK;
            }
            gs_status st = parse_gpu_row(c, i, k);
            if (st != GS_OK)
                return st;
            continue;
        }
        /* NIC rows repeat what the GPU rows' NIC columns say */
        if (!is_nic_row(c, i))
            skip_line(c, i, "not a GPU or NIC row");
    }
    return GS_OK;
}

/* ---- checks on the whole matrix ---------------------------------------- */

static gs_status check_matrix(ctx *c)
{
    if (!c->have_header)
        return perr(c, 1, 1,
                    "no nvidia-smi topo -m header (a line naming the columns "
                    "GPU0 GPU1 ...)");
    for (uint32_t k = 0; k < c->n; k++)
        if (!c->rows[k])
            return perr(c, c->header_line, c->gpu_hcol[k],
                        "no GPU%u row (the header has %u GPU column%s)", k,
                        c->n, c->n == 1 ? "" : "s");
    /* Report the mirror cell that comes later in the text, naming the
     * earlier one. */
    for (uint32_t i = 0; i < c->n; i++)
        for (uint32_t j = 0; j < i; j++) {
            const row *a = c->rows[i], *b = c->rows[j];
            if (a->cells[j] == b->cells[i])
                continue;
            if (a->line < b->line) {
                const row *tmp = a;
                a = b;
                b = tmp;
                uint32_t x = i;
                i = j;
                j = x;
            }
            /* a is row i (later), b is row j */
            return perr(c, a->line, a->cols[j],
                        "the matrix is not symmetric: GPU%u-GPU%u is \"%s\" "
                        "but GPU%u-GPU%u (line %u, column %u) is \"%s\"",
                        i, j, code_name(a->cells[j]).s, j, i, b->line,
                        b->cols[i], code_name(b->cells[i]).s);
        }
    return GS_OK;
}

/* ---- NUMA domains ------------------------------------------------------ */

static bool ranges_equal(const gpu_aff *a, const gpu_aff *b)
{
    return a->n_cpus == b->n_cpus &&
           (a->n_cpus == 0 ||
            memcmp(a->cpus, b->cpus, a->n_cpus * sizeof *a->cpus) == 0);
}

/* First number in both canonical range lists, or GS_NONE. */
static uint32_t lists_common(const gs_cpu_range *x, size_t nx,
                             const gs_cpu_range *y, size_t ny)
{
    size_t i = 0, j = 0;
    while (i < nx && j < ny) {
        if (x[i].lo <= y[j].hi && y[j].lo <= x[i].hi)
            return GS_MAX(x[i].lo, y[j].lo);
        if (x[i].hi < y[j].hi)
            i++;
        else
            j++;
    }
    return GS_NONE;
}

/* First CPU in both GPUs' CPU Affinity, or GS_NONE. */
static uint32_t ranges_common(const gpu_aff *a, const gpu_aff *b)
{
    return lists_common(a->cpus, a->n_cpus, b->cpus, b->n_cpus);
}

static gs_status read_affinity(ctx *c)
{
    c->aff = gs_calloc(c->n, sizeof *c->aff);
    if (!c->aff)
        return oom(c);
    for (uint32_t k = 0; k < c->n; k++) {
        const row *r = c->rows[k];
        gpu_aff *a = &c->aff[k];
        a->numa_id = a->dom = GS_NONE;
        size_t bad = 0;
        if (r->cpu.s) {
            gs_status st = gs_cpulist_parse(r->cpu.s, r->cpu.len, &a->cpus,
                                            &a->n_cpus, &bad);
            if (st == GS_ENOMEM)
                return oom(c);
            if (st != GS_OK)
                return perr(c, r->cpu.line, r->cpu.col + (uint32_t)bad,
                            "GPU%u: bad cpulist \"%s\" in CPU Affinity "
                            "(expected a list like 0-11,24-35, or N/A)",
                            k, show(r->cpu.s, r->cpu.len).s);
        }
        if (r->numa.s) {
            /* one node, or a list of them (see assign_domains) */
            gs_status st = gs_cpulist_parse(r->numa.s, r->numa.len, &a->ids,
                                            &a->n_ids, &bad);
            if (st == GS_ENOMEM)
                return oom(c);
            if (st != GS_OK)
                return perr(c, r->numa.line, r->numa.col + (uint32_t)bad,
                            "GPU%u: bad NUMA Affinity \"%s\" (expected a NUMA "
                            "node number, a list of them, or N/A)",
                            k, show(r->numa.s, r->numa.len).s);
            if (a->n_ids)
                a->numa_id = a->ids[0].lo;
        }
    }
    return GS_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static bool names_several(const gpu_aff *a)
{
    return a->n_ids > 1 || (a->n_ids == 1 && a->ids[0].lo != a->ids[0].hi);
}

/* grp[k]: the group of GPU k (the smallest GPU index in it), GS_NONE for a
 * GPU without NUMA Affinity or one to skip. GPUs whose NUMA Affinity lists
 * share a node are in one group (the connected components of "shares a
 * node"). */
static void group_by_node(const ctx *c, const bool *skip, uint32_t *grp)
{
    for (uint32_t k = 0; k < c->n; k++)
        grp[k] = c->aff[k].numa_id == GS_NONE || skip[k] ? GS_NONE : k;
    for (uint32_t i = 0; i < c->n; i++)
        for (uint32_t j = i + 1; j < c->n; j++) {
            if (grp[i] == GS_NONE || grp[j] == GS_NONE || grp[i] == grp[j])
                continue;
            const gpu_aff *a = &c->aff[i], *b = &c->aff[j];
            if (lists_common(a->ids, a->n_ids, b->ids, b->n_ids) == GS_NONE)
                continue;
            uint32_t from = GS_MAX(grp[i], grp[j]), to = GS_MIN(grp[i], grp[j]);
            for (uint32_t k = 0; k < c->n; k++)
                if (grp[k] == from)
                    grp[k] = to;
        }
}

/* Number the NUMA domains and put the GPUs in them; *count gets the number
 * of domains. */
static gs_status assign_domains(ctx *c, uint32_t *count)
{
    uint32_t n_dom = 0;
    /* a NUMA Affinity column of N/A only (virtual machines) tells nothing:
     * read the CPU Affinity as older drivers' output is read */
    bool numa_known = false;
    for (uint32_t k = 0; k < c->n; k++)
        numa_known |= c->aff[k].numa_id != GS_NONE;
    c->numa_ids = c->has_numa && numa_known;
    if (c->numa_ids) {
        /* One domain per NUMA node, in the order of their ids. A GPU may
         * list several nodes: Grace machines (GB200) show the CPU's node
         * and the GPU memory nodes ("0,3-9,11-17"); GPUs that share a
         * listed node share a domain, which takes the place of its lowest
         * node. A GPU listing nodes whose CPUs other domains have (equally
         * near two sockets: "0-1") is left out of all of them. */
        uint32_t *grp = gs_malloc(c->n * sizeof *grp);
        uint64_t *keys = gs_malloc(c->n * sizeof *keys);
        bool *skip = gs_calloc(c->n, sizeof *skip);
        if (!grp || !keys || !skip) {
            gs_free(grp);
            gs_free(keys);
            gs_free(skip);
            return oom(c);
        }
        group_by_node(c, skip, grp);
        bool any_skipped = false;
        for (uint32_t k = 0; k < c->n; k++) {
            const gpu_aff *a = &c->aff[k];
            if (grp[k] == GS_NONE || !names_several(a) || !a->n_cpus)
                continue;
            for (uint32_t h = 0; h < c->n && !skip[k]; h++)
                if (grp[h] != GS_NONE && grp[h] != grp[k] &&
                    ranges_common(a, &c->aff[h]) != GS_NONE)
                    skip[k] = any_skipped = true;
            if (skip[k]) {
                const row *r = c->rows[k];
                pwarn(c, r->numa.line, r->numa.col,
                      "GPU%u: NUMA Affinity \"%s\" names several NUMA nodes "
                      "and its CPUs are in another NUMA domain; the GPU is "
                      "left without a NUMA domain",
                      k, show(r->numa.s, r->numa.len).s);
            }
        }
        if (any_skipped)
            group_by_node(c, skip, grp);
        /* a group's key: its lowest node, then its first GPU */
        for (uint32_t k = 0; k < c->n; k++)
            if (grp[k] == k) {
                uint32_t lo = GS_NONE;
                for (uint32_t h = k; h < c->n; h++)
                    if (grp[h] == k)
                        lo = GS_MIN(lo, c->aff[h].numa_id);
                keys[n_dom++] = (uint64_t)lo << 32 | k;
            }
        qsort(keys, n_dom, sizeof *keys, cmp_u64);
        for (uint32_t d = 0; d < n_dom; d++)
            for (uint32_t k = 0; k < c->n; k++)
                if (grp[k] == (uint32_t)(keys[d] & 0xffffffffu))
                    c->aff[k].dom = d;
        gs_free(grp);
        gs_free(keys);
        gs_free(skip);
    } else if (c->has_cpu) {
        /* old drivers (or NUMA Affinity unknown for every GPU): one domain
         * per distinct CPU Affinity, in order */
        for (uint32_t k = 0; k < c->n; k++) {
            gpu_aff *a = &c->aff[k];
            if (!a->n_cpus)
                continue;
            for (uint32_t h = 0; h < k && a->dom == GS_NONE; h++)
                if (c->aff[h].dom != GS_NONE && ranges_equal(a, &c->aff[h]))
                    a->dom = c->aff[h].dom;
            if (a->dom == GS_NONE)
                a->dom = n_dom++;
        }
    }
    *count = n_dom;
    return GS_OK;
}

/* A domain's CPUs are its GPUs' CPU Affinity. GPUs of one NUMA node should
 * agree on it (a warning if not: the domain gets all their CPUs), and no
 * CPU may be in two domains (an error: which domain is it in?). */
static gs_status check_domains(ctx *c)
{
    for (uint32_t k = 0; k < c->n; k++) {
        const gpu_aff *a = &c->aff[k];
        if (a->dom == GS_NONE || !a->n_cpus)
            continue;
        for (uint32_t h = 0; h < k; h++) {
            const gpu_aff *b = &c->aff[h];
            if (b->dom == GS_NONE || !b->n_cpus || b->dom == a->dom)
                continue;
            uint32_t cpu = ranges_common(a, b);
            if (cpu == GS_NONE)
                continue;
            const row *ra = c->rows[k], *rb = c->rows[h];
            uint32_t ka = k, kb = h;
            if (ra->line < rb->line) {
                const row *tmp = ra;
                ra = rb;
                rb = tmp;
                ka = h;
                kb = k;
            }
            return perr(c, ra->cpu.line, ra->cpu.col,
                        "GPU%u: CPU Affinity \"%s\" shares CPU %u with that "
                        "of GPU%u (line %u), which is in another NUMA "
                        "domain",
                        ka, show(ra->cpu.s, ra->cpu.len).s, cpu, kb,
                        rb->line);
        }
    }
    for (uint32_t k = 0; k < c->n; k++) {
        const gpu_aff *a = &c->aff[k];
        if (a->dom == GS_NONE || !a->n_cpus)
            continue;
        for (uint32_t h = 0; h < k; h++) {
            const gpu_aff *b = &c->aff[h];
            if (b->dom != a->dom || !b->n_cpus)
                continue;
            /* h is the domain's first GPU with CPUs */
            if (!ranges_equal(a, b))
                pwarn(c, c->rows[k]->cpu.line, c->rows[k]->cpu.col,
                      "GPU%u has the NUMA Affinity of GPU%u (%u) but another "
                      "CPU Affinity; the NUMA domain gets the CPUs of both",
                      k, h, a->numa_id);
            break;
        }
    }
    return GS_OK;
}

/* ---- links ------------------------------------------------------------- */

/* The NV# of a uniform matrix that is an NVSwitch fabric, else 0.
 *
 * nvidia-smi shows NV# for a pair on a fabric too, so a matrix of one NV#
 * everywhere is either a fabric or a full mesh of direct wires. Such a
 * mesh needs NV# x (n - 1) links on each GPU; no GPU has more than 18, so
 * beyond that it is a fabric (DGX A100: NV12 x 7 = 84). Within it (4-GPU
 * HGX boards: NV4 x 3 on A100, NV6 x 3 on H100) the wires are direct. Two
 * GPUs are always a direct pair: a bridge, far more common than a switch,
 * and the bandwidth is the same either way. */
static uint32_t fabric_links(const ctx *c)
{
    if (c->n < 3)
        return 0;
    uint16_t code = c->rows[0]->cells[1];
    if (code < CODE_NV)
        return 0;
    for (uint32_t i = 0; i < c->n; i++)
        for (uint32_t j = 0; j < c->n; j++)
            if (i != j && c->rows[i]->cells[j] != code)
                return 0;
    uint32_t k = code - CODE_NV;
    return k * (c->n - 1) > SMI_MAX_LINKS_PER_GPU ? k : 0;
}

/* Narrow [lo, hi], the possible PCIe levels of GPUs i and j, by what a
 * third device w (a GPU or a NIC) shows to both: PCIe is a tree, and its
 * levels grow with the height of the common ancestor, so of the three
 * levels among i, j and w the two highest are equal. Levels a (i-w) and
 * b (j-w) that differ therefore give i-j = max(a, b); equal ones bound it
 * by a (both PIX to one NIC: one PCIe switch holds all three). */
static void narrow(uint16_t a, uint16_t b, int *lo, int *hi)
{
    if (a == CODE_X || a >= CODE_NV || b == CODE_X || b >= CODE_NV)
        return;
    if (a != b) {
        int x = GS_MAX(a, b);
        *lo = GS_MAX(*lo, x);
        *hi = GS_MIN(*hi, x);
    } else {
        *hi = GS_MIN(*hi, (int)a);
    }
}

/* The PCIe level an NV# cell hides, when the NIC columns and the other
 * GPUs' PCIe cells pin it down; GS_PCIE_UNKNOWN otherwise (freeze then
 * applies the project's rule: NODE in one NUMA domain, else SYS). */
static gs_pcie_level hidden_level(ctx *c, uint32_t i, uint32_t j)
{
    int lo = GS_PCIE_PIX, hi = GS_PCIE_SYS;
    const row *a = c->rows[i], *b = c->rows[j];
    for (uint32_t w = 0; w < c->n + c->m; w++)
        if (w != i && w != j)
            narrow(a->cells[w], b->cells[w], &lo, &hi);
    if (lo > hi) {
        pwarn(c, a->line, a->cols[j],
              "GPU%u-GPU%u: the PCIe levels of the other GPUs and NICs to "
              "these two contradict each other; the PCIe level behind %s is "
              "left to the default rule",
              i, j, code_name(a->cells[j]).s);
        return GS_PCIE_UNKNOWN;
    }
    return lo == hi ? (gs_pcie_level)lo : GS_PCIE_UNKNOWN;
}

/* ---- building ---------------------------------------------------------- */

static gs_status build(ctx *c)
{
    gs_topo *t = c->t;
    uint32_t node;
    gs_status st = gs_topo_add_node(t, gs_load_hostname(c->o), &node);
    if (st != GS_OK)
        return st;
    uint32_t n_dom = 0;
    if ((st = assign_domains(c, &n_dom)) != GS_OK ||
        (st = check_domains(c)) != GS_OK)
        return st;
    for (uint32_t d = 0; d < n_dom; d++) {
        gs_buf b = {0};
        /* the machine's id: the domain's lowest NUMA node, the one it
         * stands for (see assign_domains); from CPU Affinity alone the
         * ids are not known and stay the indexes */
        uint32_t os_id = GS_NONE;
        for (uint32_t k = 0; k < c->n; k++) {
            const gpu_aff *a = &c->aff[k];
            if (a->dom == d && c->numa_ids)
                os_id = GS_MIN(os_id, a->numa_id);
            if (a->dom != d || !a->n_cpus)
                continue;
            if (b.len)
                gs_buf_putc(&b, ',');
            gs_cpulist_format(&b, a->cpus, a->n_cpus);
        }
        if (!gs_buf_finish(&b)) { /* also when an append failed */
            gs_buf_free(&b);
            return oom(c);
        }
        /* a domain none of whose GPUs shows CPUs has none */
        st = gs_topo_add_numa(t, node, b.len ? b.data : NULL, 0, NULL);
        gs_buf_free(&b);
        if (st == GS_OK && os_id != GS_NONE)
            st = gs_topo_set_numa_os_id(t, node, d, os_id);
        if (st != GS_OK)
            return st;
    }
    uint32_t fab = fabric_links(c);
    for (uint32_t k = 0; k < c->n; k++) {
        gs_gpu_info gi = GS_GPU_INFO_INIT;
        gi.numa = c->aff[k].dom;
        if (fab) {
            gi.fabric = 0;
            gi.fabric_links = fab;
        }
        if ((st = gs_topo_add_gpu(t, node, &gi, NULL)) != GS_OK)
            return st;
    }
    for (uint32_t i = 0; i < c->n; i++)
        for (uint32_t j = i + 1; j < c->n; j++) {
            uint16_t code = c->rows[i]->cells[j];
            gs_link_info l = GS_LINK_INFO_INIT;
            if (code >= CODE_NV) {
                l.pcie = hidden_level(c, i, j);
                l.source = l.pcie ? GS_SOURCE_INFERRED : GS_SOURCE_FILE;
                if (!fab)
                    l.nvlinks = (uint32_t)(code - CODE_NV);
                else if (!l.pcie)
                    continue; /* the fabric says it all */
            } else {
                l.pcie = (gs_pcie_level)code;
            }
            if ((st = gs_topo_set_link(t, node, i, j, &l)) != GS_OK)
                return st;
        }
    return GS_OK;
}

static void ctx_free(ctx *c)
{
    if (c->rows)
        for (uint32_t k = 0; k < c->n; k++)
            gs_free(c->rows[k]);
    if (c->aff)
        for (uint32_t k = 0; k < c->n; k++) {
            gs_free(c->aff[k].cpus);
            gs_free(c->aff[k].ids);
        }
    gs_free(c->rows);
    gs_free(c->aff);
    gs_free(c->toks);
    gs_free(c->gpu_hcol);
    gs_free(c->nics);
    gs_strtab_free(&c->nic_names);
    gs_free(c->tail);
}

gs_status gs_import_smi(gs_topo *t, const char *text, size_t len,
                        const char *name, const gs_load_options *o)
{
    ctx c;
    memset(&c, 0, sizeof c);
    c.t = t;
    c.name = name ? name : "<buffer>";
    c.o = o;
    gs_status st = read_lines(&c, text ? text : "", text ? len : 0);
    if (st == GS_OK)
        st = check_matrix(&c);
    if (st == GS_OK)
        st = read_affinity(&c);
    if (st == GS_OK)
        st = build(&c);
    ctx_free(&c);
    return st;
}
