/*
 * Constraints on node features: Slurm's `--constraint` syntax (names, `&`
 * or `,` for AND, `|` for OR, parentheses), compiled into disjunctive
 * normal form over the feature masks of a topology.
 *
 * The parser is a loop over tokens with an explicit stack of parenthesis
 * frames (bounded at GS_CONSTRAINT_MAX_DEPTH), so no input can make it
 * recurse. Each frame holds the terms of the alternatives closed so far
 * and of the conjunction being built. Every set of terms is kept reduced
 * (no duplicates, no term that is a superset of another), and no set may
 * have more than GS_CONSTRAINT_MAX_TERMS terms, so an AND multiplies at
 * most 256 x 256 terms; a budget on the terms made over the whole text
 * bounds the time any 4096 bytes can take.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "topo/constraint.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Terms that ANDs and ORs may make over one compilation (each is then
 * compared with at most GS_CONSTRAINT_MAX_TERMS kept terms). */
#define MAX_WORK (UINT64_C(1) << 20)

#define FROZEN_TOPO(t) ((t) && (t)->frozen)

/* A set of terms; v == NULL (n == 0) is "nothing yet". */
typedef struct tset {
    uint64_t *v;
    uint32_t n;
} tset;

typedef struct frame {
    tset alts;   /* the alternatives before the last '|' */
    tset conj;   /* the conjunction after it */
    size_t open; /* offset of the '(' (unused for the outermost frame) */
} frame;

typedef struct cctx {
    const gs_topo *t;
    const char *text;
    size_t len;
    gs_err *err;
    uint64_t work;
} cctx;

static gs_status cerr(cctx *c, gs_status st, const char *fmt, ...)
    GS_PRINTF(3, 4);
static gs_status cerr(cctx *c, gs_status st, const char *fmt, ...)
{
    char what[GS_ERRMSG_MAX], q[80];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return gs_errf(c->err, st, "constraint \"%s\": %s",
                   gs_printable(q, sizeof q, c->text, c->len), what);
}

static bool space_char(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
           ch == '\v' || ch == '\f';
}

static unsigned popcount64(uint64_t x)
{
    x = x - ((x >> 1) & UINT64_C(0x5555555555555555));
    x = (x & UINT64_C(0x3333333333333333)) +
        ((x >> 2) & UINT64_C(0x3333333333333333));
    x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
    return (unsigned)((x * UINT64_C(0x0101010101010101)) >> 56);
}

static int cmp_by_size(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    unsigned px = popcount64(x), py = popcount64(y);
    if (px != py)
        return px < py ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int cmp_by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void tset_free(tset *s)
{
    gs_free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* Drop duplicates and supersets, in place. Sorted by the number of
 * features, a term can only be absorbed by one kept before it, and a kept
 * term is never absorbed later: the kept terms only grow, so the limit is
 * checked as they do. at: the column the message names. */
static gs_status reduce(cctx *c, tset *s, size_t at)
{
    qsort(s->v, s->n, sizeof *s->v, cmp_by_size);
    uint32_t k = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        uint64_t x = s->v[i];
        if (k && x == s->v[k - 1])
            continue;
        bool absorbed = false;
        for (uint32_t j = 0; j < k && !absorbed; j++)
            absorbed = (s->v[j] & ~x) == 0;
        if (absorbed)
            continue;
        if (k == GS_CONSTRAINT_MAX_TERMS)
            return cerr(c, GS_ERANGE,
                        "the part ending at column %zu expands into more "
                        "than %u alternatives (ANDs of features)",
                        at + 1, GS_CONSTRAINT_MAX_TERMS);
        s->v[k++] = x;
    }
    s->n = k;
    return GS_OK;
}

static gs_status spend(cctx *c, uint64_t terms, size_t at)
{
    c->work += terms;
    if (c->work > MAX_WORK)
        return cerr(c, GS_ERANGE,
                    "too complex: expanding it up to column %zu makes more "
                    "than %llu terms",
                    at + 1, (unsigned long long)MAX_WORK);
    return GS_OK;
}

/* *a = *a OR *b; b is consumed. */
static gs_status set_or(cctx *c, tset *a, tset *b, size_t at)
{
    if (!a->v) {
        *a = *b;
        *b = (tset){NULL, 0};
        return GS_OK;
    }
    gs_status st = spend(c, b->n, at);
    uint64_t *v = st == GS_OK
                      ? gs_realloc(a->v, ((size_t)a->n + b->n) * sizeof *v)
                      : NULL;
    if (st == GS_OK && !v)
        st = gs_errf(c->err, GS_ENOMEM, "out of memory");
    if (st != GS_OK) {
        tset_free(b);
        return st;
    }
    memcpy(v + a->n, b->v, (size_t)b->n * sizeof *v);
    a->v = v;
    a->n += b->n;
    tset_free(b);
    return reduce(c, a, at);
}

/* *a = *a AND *b; b is consumed. */
static gs_status set_and(cctx *c, tset *a, tset *b, size_t at)
{
    if (!a->v) {
        *a = *b;
        *b = (tset){NULL, 0};
        return GS_OK;
    }
    size_t n = (size_t)a->n * b->n; /* at most 256 x 256 */
    gs_status st = spend(c, n, at);
    uint64_t *v = st == GS_OK ? gs_malloc(n * sizeof *v) : NULL;
    if (st == GS_OK && !v)
        st = gs_errf(c->err, GS_ENOMEM, "out of memory");
    if (st != GS_OK) {
        tset_free(b);
        return st;
    }
    size_t k = 0;
    for (uint32_t i = 0; i < a->n; i++)
        for (uint32_t j = 0; j < b->n; j++)
            v[k++] = a->v[i] | b->v[j];
    tset_free(a);
    tset_free(b);
    a->v = v;
    a->n = (uint32_t)n;
    return reduce(c, a, at);
}

/* The set of one feature's name at text[i..j). */
static gs_status feature_term(cctx *c, size_t i, size_t j, tset *out)
{
    uint32_t idx = gs_topo_feature_index(c->t, c->text + i, j - i);
    if (idx == GS_NONE) {
        gs_buf list = {0};
        for (uint32_t k = 0; k < c->t->n_features; k++)
            gs_buf_printf(&list, "%s%s", k ? ", " : "", c->t->features[k]);
        if (!gs_buf_finish(&list)) {
            gs_buf_free(&list);
            return gs_errf(c->err, GS_ENOMEM, "out of memory");
        }
        char q[80];
        gs_status st = cerr(c, GS_ENOTFOUND,
                            "no node has feature \"%s\" (column %zu; %s%s)",
                            gs_printable(q, sizeof q, c->text + i, j - i),
                            i + 1,
                            c->t->n_features ? "features: "
                                             : "the topology has no features",
                            list.data);
        gs_buf_free(&list);
        return st;
    }
    if (!(out->v = gs_malloc(sizeof *out->v)))
        return gs_errf(c->err, GS_ENOMEM, "out of memory");
    out->v[0] = UINT64_C(1) << idx;
    out->n = 1;
    return spend(c, 1, i);
}

/* What stands at text[i] for a message: 'x', or "the end". */
static const char *shown(const cctx *c, size_t i, char *q, size_t cap)
{
    if (i >= c->len)
        return "the end";
    size_t j = i + 1;
    while (gs_feature_name_char((unsigned char)c->text[i]) && j < c->len &&
           gs_feature_name_char((unsigned char)c->text[j]))
        j++;
    char p[72];
    snprintf(q, cap, "\"%s\"", gs_printable(p, sizeof p, c->text + i, j - i));
    return q;
}

gs_status gs_constraint_compile(const gs_topo *t, const char *text,
                                gs_constraint **out, gs_err *err)
{
    if (!out)
        return gs_errf(err, GS_EINVAL, "no place for the constraint (NULL)");
    *out = NULL;
    if (!t)
        return gs_errf(err, GS_EINVAL, "no topology (NULL handle)");
    if (!t->frozen)
        return gs_errf(err, GS_ENOTFROZEN,
                       "constraints are compiled against a frozen topology");
    if (!text)
        return GS_OK;
    size_t len = 0;
    while (len <= GS_CONSTRAINT_MAX_TEXT && text[len])
        len++;
    cctx c = {t, text, len, err, 0};
    if (len > GS_CONSTRAINT_MAX_TEXT)
        return cerr(&c, GS_ERANGE, "longer than %u bytes",
                    GS_CONSTRAINT_MAX_TEXT);
    size_t i = 0;
    while (i < len && space_char((unsigned char)text[i]))
        i++;
    if (i == len)
        return GS_OK; /* no constraint */

    frame fr[GS_CONSTRAINT_MAX_DEPTH + 1];
    uint32_t depth = 0;
    memset(&fr[0], 0, sizeof fr[0]);
    bool operand = true; /* a name or '(' comes next */
    gs_status st = GS_OK;
    char q[80];
    tset result = {NULL, 0};
    for (;;) {
        while (i < len && space_char((unsigned char)text[i]))
            i++;
        unsigned char ch = i < len ? (unsigned char)text[i] : 0;
        frame *f = &fr[depth];
        if (ch == '[' || ch == ']' || ch == '*' || ch == '!') {
            st = cerr(&c, GS_EINVAL,
                      "'%c' at column %zu: %s are not supported", ch, i + 1,
                      ch == '*' ? "node counts (feature*count)"
                      : ch == '!' ? "negations"
                                  : "brackets (Slurm's matching OR)");
            break;
        }
        if (i < len && !gs_feature_name_char(ch) && ch != '&' && ch != ',' &&
            ch != '|' && ch != '(' && ch != ')') {
            st = cerr(&c, GS_EINVAL,
                      "unexpected character %s at column %zu (feature names "
                      "are letters, digits and _ . : + -; operators & , | "
                      "and parentheses)",
                      shown(&c, i, q, sizeof q), i + 1);
            break;
        }
        if (operand) {
            if (gs_feature_name_char(ch)) {
                size_t j = i;
                while (j < len && gs_feature_name_char((unsigned char)text[j]))
                    j++;
                tset one = {NULL, 0};
                if ((st = feature_term(&c, i, j, &one)) != GS_OK ||
                    (st = set_and(&c, &f->conj, &one, j - 1)) != GS_OK) {
                    tset_free(&one);
                    break;
                }
                i = j;
                operand = false;
            } else if (ch == '(') {
                if (depth == GS_CONSTRAINT_MAX_DEPTH) {
                    st = cerr(&c, GS_ERANGE,
                              "'(' at column %zu nests deeper than %u "
                              "levels",
                              i + 1, GS_CONSTRAINT_MAX_DEPTH);
                    break;
                }
                depth++;
                memset(&fr[depth], 0, sizeof fr[depth]);
                fr[depth].open = i;
                i++;
            } else if (ch == ')' && depth && !f->alts.v && !f->conj.v) {
                st = cerr(&c, GS_EINVAL, "empty parentheses at column %zu",
                          f->open + 1);
                break;
            } else {
                st = cerr(&c, GS_EINVAL,
                          "expected a feature name or '(' at column %zu, "
                          "found %s",
                          i + 1, shown(&c, i, q, sizeof q));
                break;
            }
            continue;
        }
        if (ch == '&' || ch == ',') {
            operand = true;
            i++;
        } else if (ch == '|') {
            if ((st = set_or(&c, &f->alts, &f->conj, i)) != GS_OK)
                break;
            operand = true;
            i++;
        } else if (ch == ')') {
            if (!depth) {
                st = cerr(&c, GS_EINVAL,
                          "')' at column %zu has no matching '('", i + 1);
                break;
            }
            if ((st = set_or(&c, &f->alts, &f->conj, i)) != GS_OK)
                break;
            tset inner = f->alts;
            f->alts = (tset){NULL, 0};
            depth--;
            if ((st = set_and(&c, &fr[depth].conj, &inner, i)) != GS_OK)
                break;
            i++;
        } else if (i == len) {
            if (depth) {
                st = cerr(&c, GS_EINVAL,
                          "the '(' at column %zu is not closed", f->open + 1);
                break;
            }
            if ((st = set_or(&c, &f->alts, &f->conj, len ? len - 1 : 0)) !=
                GS_OK)
                break;
            result = f->alts;
            f->alts = (tset){NULL, 0};
            break;
        } else {
            st = cerr(&c, GS_EINVAL,
                      "expected '&', ',', '|' or ')' at column %zu, found %s",
                      i + 1, shown(&c, i, q, sizeof q));
            break;
        }
    }
    for (uint32_t d = 0; d <= depth; d++) {
        tset_free(&fr[d].alts);
        tset_free(&fr[d].conj);
    }
    if (st != GS_OK) {
        tset_free(&result);
        return st;
    }
    gs_constraint *k =
        gs_malloc(sizeof *k + (size_t)result.n * sizeof k->terms[0]);
    if (!k) {
        tset_free(&result);
        return gs_errf(err, GS_ENOMEM, "out of memory");
    }
    qsort(result.v, result.n, sizeof *result.v, cmp_by_value);
    k->n_terms = result.n;
    memcpy(k->terms, result.v, (size_t)result.n * sizeof *result.v);
    tset_free(&result);
    *out = k;
    return GS_OK;
}

void gs_constraint_free(gs_constraint *c) { gs_free(c); }

void gs_constraint_format(const gs_topo *t, const gs_constraint *c,
                          gs_buf *b)
{
    for (uint32_t i = 0; c && i < c->n_terms; i++) {
        if (i)
            gs_buf_putc(b, '|');
        bool first = true;
        for (uint32_t f = 0; f < t->n_features; f++)
            if (c->terms[i] >> f & 1) {
                if (!first)
                    gs_buf_putc(b, '&');
                gs_buf_puts(b, t->features[f]);
                first = false;
            }
    }
}

/* ---- the public checks ------------------------------------------------- */

GS_API gs_status gs_topo_check_constraint(const gs_topo *t,
                                          const char *constraint, char *buf,
                                          size_t cap)
{
    gs_err err;
    gs_err_clear(&err);
    gs_constraint *c = NULL;
    gs_status st = gs_constraint_compile(t, constraint, &c, &err);
    gs_constraint_free(c);
    if (buf && cap)
        snprintf(buf, cap, "%s", err.msg);
    return st;
}

GS_API gs_status gs_topo_node_matches(const gs_topo *t, uint32_t node,
                                      const char *constraint, int *match)
{
    if (match)
        *match = 0;
    if (!FROZEN_TOPO(t))
        return t ? GS_ENOTFROZEN : GS_EINVAL;
    if (node >= t->n_nodes || !match)
        return GS_EINVAL;
    gs_err err;
    gs_constraint *c = NULL;
    gs_status st = gs_constraint_compile(t, constraint, &c, &err);
    if (st == GS_OK)
        *match = gs_constraint_match(c, t->nodes[node].features);
    gs_constraint_free(c);
    return st;
}
