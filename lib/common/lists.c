/*
 * cpulists and Slurm hostlists.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "common/lists.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- cpulist ----------------------------------------------------------- */

static int cmp_range(const void *a, const void *b)
{
    const gs_cpu_range *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : (x->hi > y->hi) - (x->hi < y->hi);
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Read a decimal number of at most max; false on overflow or no digits. */
static bool read_uint(const char *s, size_t len, size_t *i, uint64_t max,
                      uint64_t *out)
{
    size_t start = *i;
    uint64_t v = 0;
    while (*i < len && is_digit(s[*i])) {
        v = v * 10 + (uint64_t)(s[*i] - '0');
        if (v > max) {
            *i = start; /* point at the number, not into it */
            return false;
        }
        (*i)++;
    }
    if (*i == start)
        return false;
    *out = v;
    return true;
}

static void skip_spaces(const char *s, size_t len, size_t *i)
{
    while (*i < len && (s[*i] == ' ' || s[*i] == '\t'))
        (*i)++;
}

gs_status gs_cpulist_parse(const char *s, size_t len, gs_cpu_range **ranges,
                           size_t *n_ranges, size_t *bad_at)
{
    *ranges = NULL;
    *n_ranges = 0;
    gs_cpu_range *arr = NULL;
    size_t n = 0, cap = 0;
    size_t i = 0;
    bool sorted = true;
    skip_spaces(s, len, &i);
    if (i == len)
        return GS_OK;
    for (;;) {
        uint64_t lo, hi;
        skip_spaces(s, len, &i);
        size_t at = i;
        if (!read_uint(s, len, &i, GS_CPU_MAX, &lo))
            goto bad;
        hi = lo;
        if (i < len && s[i] == '-') {
            i++;
            at = i;
            if (!read_uint(s, len, &i, GS_CPU_MAX, &hi) || hi < lo)
                goto bad;
        }
        if (!GS_GROW(arr, cap, n + 1)) {
            gs_free(arr);
            return GS_ENOMEM;
        }
        if (n && lo <= arr[n - 1].hi + 1ull)
            sorted = false;
        arr[n++] = (gs_cpu_range){(uint32_t)lo, (uint32_t)hi};
        skip_spaces(s, len, &i);
        if (i == len)
            break;
        at = i;
        if (s[i] != ',')
            goto bad;
        i++;
        continue;
    bad:
        gs_free(arr);
        *bad_at = i < len && at < i ? i : at;
        if (*bad_at > len)
            *bad_at = len;
        return GS_EINVAL;
    }
    if (!sorted) {
        /* canonical form: sorted, overlaps and neighbours merged */
        qsort(arr, n, sizeof *arr, cmp_range);
        size_t m = 0;
        for (size_t k = 0; k < n; k++) {
            if (m && arr[k].lo <= arr[m - 1].hi + 1ull) {
                if (arr[k].hi > arr[m - 1].hi)
                    arr[m - 1].hi = arr[k].hi;
            } else {
                arr[m++] = arr[k];
            }
        }
        n = m;
    }
    *ranges = arr;
    *n_ranges = n;
    return GS_OK;
}

void gs_cpulist_format(gs_buf *b, const gs_cpu_range *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            gs_buf_putc(b, ',');
        if (r[i].lo == r[i].hi)
            gs_buf_printf(b, "%u", r[i].lo);
        else
            gs_buf_printf(b, "%u-%u", r[i].lo, r[i].hi);
    }
}

size_t gs_cpu_ranges_count(const gs_cpu_range *r, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += (size_t)r[i].hi - r[i].lo + 1;
    return c;
}

/* ---- hostlist expansion ------------------------------------------------ */

#define HOSTNAME_MAX 256

typedef struct expander {
    const char *s;
    size_t len;
    size_t max_names, produced;
    gs_hostlist_fn fn;
    void *ctx;
    char name[HOSTNAME_MAX + 1];
    size_t *bad_at;
    const char **why;
    bool stopped;
} expander;

/* Expand s[i..end) with name[0..nl) already produced. */
static gs_status expand_rest(expander *x, size_t i, size_t end, size_t nl)
{
    while (i < end && x->s[i] != '[') {
        if (x->s[i] == ']') {
            *x->bad_at = i;
            *x->why = "']' without '['";
            return GS_EINVAL;
        }
        if (nl >= HOSTNAME_MAX) {
            *x->bad_at = i;
            *x->why = "name longer than 256 characters";
            return GS_EINVAL;
        }
        x->name[nl++] = x->s[i++];
    }
    if (i == end) {
        if (nl == 0) {
            *x->bad_at = i;
            *x->why = "empty name";
            return GS_EINVAL;
        }
        if (++x->produced > x->max_names) {
            *x->bad_at = 0;
            *x->why = "expression expands to too many names";
            return GS_ERANGE;
        }
        x->name[nl] = '\0';
        if (!x->fn(x->ctx, x->name, nl)) {
            x->stopped = true;
            return GS_OK;
        }
        return GS_OK;
    }
    /* x->s[i] == '[': find the matching ']' (no nesting). */
    size_t open = i, close = i + 1;
    while (close < end && x->s[close] != ']') {
        if (x->s[close] == '[') {
            *x->bad_at = close;
            *x->why = "'[' inside brackets";
            return GS_EINVAL;
        }
        close++;
    }
    if (close == end) {
        *x->bad_at = open;
        *x->why = "'[' without ']'";
        return GS_EINVAL;
    }
    size_t k = open + 1;
    for (;;) {
        size_t lo_at = k;
        uint64_t lo, hi;
        if (!read_uint(x->s, close, &k, 999999999999ull, &lo)) {
            *x->bad_at = k;
            *x->why = "number expected in brackets";
            return GS_EINVAL;
        }
        size_t width = k - lo_at;
        hi = lo;
        if (k < close && x->s[k] == '-') {
            k++;
            size_t hi_at = k;
            if (!read_uint(x->s, close, &k, 999999999999ull, &hi)) {
                *x->bad_at = k;
                *x->why = "number expected after '-'";
                return GS_EINVAL;
            }
            if (hi < lo) {
                *x->bad_at = hi_at;
                *x->why = "range ends below its start";
                return GS_EINVAL;
            }
        }
        if (k < close && x->s[k] != ',') {
            *x->bad_at = k;
            *x->why = "',' or ']' expected in brackets";
            return GS_EINVAL;
        }
        if (hi - lo >= x->max_names) {
            *x->bad_at = lo_at;
            *x->why = "expression expands to too many names";
            return GS_ERANGE;
        }
        /* Leading zeros set the width: a width past the name's room is an
         * error before anything is formatted (num holds any width that
         * fits, and the at most 12 digits of a wider number). */
        if (width > HOSTNAME_MAX - nl) {
            *x->bad_at = lo_at;
            *x->why = "name longer than 256 characters";
            return GS_EINVAL;
        }
        for (uint64_t v = lo; v <= hi; v++) {
            char num[HOSTNAME_MAX + 16];
            int w = snprintf(num, sizeof num, "%0*llu", (int)width,
                             (unsigned long long)v);
            if (w < 0 || (size_t)w >= sizeof num ||
                nl + (size_t)w > HOSTNAME_MAX) {
                *x->bad_at = lo_at;
                *x->why = "name longer than 256 characters";
                return GS_EINVAL;
            }
            memcpy(x->name + nl, num, (size_t)w);
            gs_status st = expand_rest(x, close + 1, end, nl + (size_t)w);
            if (st != GS_OK || x->stopped)
                return st;
        }
        if (k == close)
            break;
        k++; /* ',' */
    }
    return GS_OK;
}

gs_status gs_hostlist_expand(const char *expr, size_t len, size_t max_names,
                             gs_hostlist_fn fn, void *ctx, size_t *bad_at,
                             const char **why)
{
    expander x = {0};
    x.s = expr;
    x.len = len;
    x.max_names = max_names;
    x.fn = fn;
    x.ctx = ctx;
    x.bad_at = bad_at;
    x.why = why;
    size_t i = 0;
    while (i <= len) {
        /* find the end of this element: a ',' outside brackets */
        size_t j = i;
        int depth = 0;
        while (j < len && (depth > 0 || expr[j] != ',')) {
            if (expr[j] == '[')
                depth++;
            else if (expr[j] == ']' && depth > 0)
                depth--;
            j++;
        }
        size_t a = i, b = j;
        while (a < b && (expr[a] == ' ' || expr[a] == '\t'))
            a++;
        while (b > a && (expr[b - 1] == ' ' || expr[b - 1] == '\t'))
            b--;
        for (size_t k = a; k < b; k++) {
            unsigned char c = (unsigned char)expr[k];
            if (c <= 0x20 || c == 0x7f) {
                *bad_at = k;
                *why = "space or control character in a name";
                return GS_EINVAL;
            }
        }
        gs_status st = expand_rest(&x, a, b, 0);
        if (st != GS_OK || x.stopped)
            return st;
        if (j >= len)
            break;
        i = j + 1;
    }
    return GS_OK;
}

/* ---- hostlist compression ---------------------------------------------- */

typedef struct piece {
    uint64_t lo, hi;
    size_t width;
} piece;

/* Split name into prefix length and numeric suffix (at most 12 digits). */
static bool split_name(const char *name, size_t *plen, uint64_t *num,
                       size_t *width)
{
    size_t n = strlen(name), i = n;
    while (i > 0 && is_digit(name[i - 1]))
        i--;
    if (i == n || n - i > 12)
        return false;
    uint64_t v = 0;
    for (size_t k = i; k < n; k++)
        v = v * 10 + (uint64_t)(name[k] - '0');
    *plen = i;
    *num = v;
    *width = n - i;
    return true;
}

static size_t digits_of(uint64_t v)
{
    size_t d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* Does formatting v with minimum width w give exactly the given width? */
static bool fits(uint64_t v, size_t w, size_t actual_width)
{
    size_t d = digits_of(v);
    return (d > w ? d : w) == actual_width;
}

static void emit_group(gs_buf *b, const char *prefix, size_t plen,
                       const piece *ps, size_t np, const char *single)
{
    if (np == 1 && ps[0].lo == ps[0].hi) {
        gs_buf_puts(b, single);
        return;
    }
    gs_buf_put(b, prefix, plen);
    gs_buf_putc(b, '[');
    for (size_t i = 0; i < np; i++) {
        if (i)
            gs_buf_putc(b, ',');
        gs_buf_printf(b, "%0*llu", (int)ps[i].width,
                      (unsigned long long)ps[i].lo);
        if (ps[i].hi != ps[i].lo)
            gs_buf_printf(b, "-%0*llu", (int)ps[i].width,
                          (unsigned long long)ps[i].hi);
    }
    gs_buf_putc(b, ']');
}

void gs_hostlist_compress(gs_buf *b, const char *const *names, size_t n)
{
    piece *ps = NULL;
    size_t cap = 0;
    size_t i = 0;
    bool first = true;
    while (i < n) {
        if (!first)
            gs_buf_putc(b, ',');
        first = false;
        size_t plen, width;
        uint64_t num;
        if (!split_name(names[i], &plen, &num, &width)) {
            gs_buf_puts(b, names[i]);
            i++;
            continue;
        }
        if (!GS_GROW(ps, cap, 1)) {
            b->failed = true;
            return;
        }
        size_t np = 1;
        ps[0] = (piece){num, num, width};
        size_t j = i + 1;
        for (; j < n; j++) {
            size_t pl2, w2;
            uint64_t n2;
            if (!split_name(names[j], &pl2, &n2, &w2) || pl2 != plen ||
                memcmp(names[j], names[i], plen) != 0)
                break;
            piece *last = &ps[np - 1];
            if (n2 == last->hi + 1 && fits(n2, last->width, w2)) {
                last->hi = n2;
                continue;
            }
            if (!GS_GROW(ps, cap, np + 1)) {
                gs_free(ps);
                b->failed = true;
                return;
            }
            ps[np++] = (piece){n2, n2, w2};
        }
        emit_group(b, names[i], plen, ps, np, names[i]);
        i = j;
    }
    gs_free(ps);
}
