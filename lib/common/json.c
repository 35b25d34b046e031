/*
 * JSON reader with positions (RFC 8259, strict: no comments, no trailing
 * commas). Recursive descent with a depth limit so hostile input cannot
 * exhaust the stack.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "common/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define JSON_MAX_DEPTH 128

typedef struct parser {
    const char *p, *end, *line_start;
    uint32_t line;
    const char *name;
    gs_err *err;
    gs_arena *arena;
    /* scratch stack shared by every array/object being built */
    void **stack;
    size_t stack_len, stack_cap;
    /* scratch for the duplicate-key check: member indexes */
    uint32_t *order;
    size_t order_cap;
    gs_status status;
} parser;

static uint32_t col_of(const parser *ps, const char *at)
{
    size_t c = (size_t)(at - ps->line_start) + 1;
    return c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
}

static json_value *fail_at(parser *ps, const char *at, const char *fmt, ...)
    GS_PRINTF(3, 4);

static json_value *fail_at(parser *ps, const char *at, const char *fmt, ...)
{
    if (ps->status == GS_OK) {
        char what[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        gs_errf(ps->err, GS_EPARSE, "%s:%u:%u: %s", ps->name, ps->line,
                col_of(ps, at), what);
        ps->status = GS_EPARSE;
    }
    return NULL;
}

static json_value *fail_oom(parser *ps)
{
    if (ps->status == GS_OK) {
        gs_errf(ps->err, GS_ENOMEM, "%s: out of memory while parsing",
                ps->name);
        ps->status = GS_ENOMEM;
    }
    return NULL;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end) {
        char c = *ps->p;
        if (c == '\n') {
            ps->p++;
            ps->line++;
            ps->line_start = ps->p;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            ps->p++;
        } else {
            break;
        }
    }
}

static json_value *new_value(parser *ps, json_type t, const char *at)
{
    json_value *v = gs_arena_alloc(ps->arena, sizeof *v, _Alignof(json_value));
    if (!v)
        return fail_oom(ps);
    memset(v, 0, sizeof *v);
    v->type = t;
    v->line = ps->line;
    v->col = col_of(ps, at);
    return v;
}

static bool push(parser *ps, void *item)
{
    if (!GS_GROW(ps->stack, ps->stack_cap, ps->stack_len + 1)) {
        fail_oom(ps);
        return false;
    }
    ps->stack[ps->stack_len++] = item;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool read_hex4(parser *ps, const char *at, uint32_t *out)
{
    if (ps->end - at < 4)
        return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(at[i]);
        if (h < 0)
            return false;
        v = v << 4 | (uint32_t)h;
    }
    *out = v;
    return true;
}

/* Parse a string starting at the opening quote. */
static bool parse_string(parser *ps, const char **out, size_t *out_len)
{
    const char *start = ps->p;
    ps->p++; /* opening quote */
    /* First pass: find the end and the decoded length bound. */
    const char *q = ps->p;
    while (q < ps->end && *q != '"') {
        if (*q == '\\')
            q++;
        if (q < ps->end && (*q == '\n'))
            break;
        q++;
    }
    if (q >= ps->end || *q != '"') {
        fail_at(ps, start, "unterminated string");
        return false;
    }
    size_t bound = (size_t)(q - ps->p);
    char *o = gs_arena_alloc(ps->arena, bound + 1, 1);
    if (!o) {
        fail_oom(ps);
        return false;
    }
    size_t n = 0;
    while (*ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p;
        if (c < 0x20) {
            fail_at(ps, ps->p, "control character in string");
            return false;
        }
        if (c == '\\') {
            const char *esc = ps->p;
            char e = ps->p[1];
            ps->p += 2;
            switch (e) {
            case '"': o[n++] = '"'; break;
            case '\\': o[n++] = '\\'; break;
            case '/': o[n++] = '/'; break;
            case 'b': o[n++] = '\b'; break;
            case 'f': o[n++] = '\f'; break;
            case 'n': o[n++] = '\n'; break;
            case 'r': o[n++] = '\r'; break;
            case 't': o[n++] = '\t'; break;
            case 'u': {
                uint32_t cp;
                if (!read_hex4(ps, ps->p, &cp)) {
                    fail_at(ps, esc, "bad \\u escape");
                    return false;
                }
                ps->p += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    uint32_t lo;
                    if (ps->end - ps->p < 6 || ps->p[0] != '\\' ||
                        ps->p[1] != 'u' || !read_hex4(ps, ps->p + 2, &lo) ||
                        lo < 0xDC00 || lo > 0xDFFF) {
                        fail_at(ps, esc, "unpaired surrogate in \\u escape");
                        return false;
                    }
                    ps->p += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    fail_at(ps, esc, "unpaired surrogate in \\u escape");
                    return false;
                }
                /* \uXXXX is 6 bytes and decodes to at most 3, a surrogate
                 * pair is 12 and decodes to 4: the bound holds. */
                n += gs_utf8_encode(o + n, cp);
                break;
            }
            default:
                fail_at(ps, esc, "bad escape in string");
                return false;
            }
            continue;
        }
        size_t ulen =
            gs_utf8_decode(ps->p, (size_t)(ps->end - ps->p), NULL);
        if (!ulen) {
            fail_at(ps, ps->p, "invalid UTF-8 in string");
            return false;
        }
        memcpy(o + n, ps->p, ulen);
        n += ulen;
        ps->p += ulen;
    }
    ps->p++; /* closing quote */
    o[n] = '\0';
    *out = o;
    *out_len = n;
    return true;
}

static json_value *parse_number(parser *ps)
{
    const char *s = ps->p, *q = s;
    if (q < ps->end && *q == '-')
        q++;
    if (q >= ps->end || *q < '0' || *q > '9')
        return fail_at(ps, s, "invalid number");
    if (*q == '0') {
        q++;
    } else {
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    }
    bool integral = true;
    if (q < ps->end && *q == '.') {
        integral = false;
        q++;
        if (q >= ps->end || *q < '0' || *q > '9')
            return fail_at(ps, q, "digit expected after the decimal point");
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        integral = false;
        q++;
        if (q < ps->end && (*q == '+' || *q == '-'))
            q++;
        if (q >= ps->end || *q < '0' || *q > '9')
            return fail_at(ps, q, "digit expected in the exponent");
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    }
    json_value *v = new_value(ps, JSON_NUMBER, s);
    if (!v)
        return NULL;
    v->u.num.text = s;
    v->u.num.len = (size_t)(q - s);
    if (integral) {
        bool neg = *s == '-';
        uint64_t acc = 0;
        bool ok = true;
        for (const char *d = s + neg; d < q; d++) {
            unsigned dig = (unsigned)(*d - '0');
            if (acc > (UINT64_MAX - dig) / 10) {
                ok = false;
                break;
            }
            acc = acc * 10 + dig;
        }
        if (ok && !neg && acc <= (uint64_t)INT64_MAX) {
            v->u.num.is_int = true;
            v->u.num.i = (int64_t)acc;
        } else if (ok && neg && acc <= (uint64_t)INT64_MAX + 1) {
            v->u.num.is_int = true;
            v->u.num.i = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN
                                                        : -(int64_t)acc;
        }
    }
    ps->p = q;
    return v;
}

static json_value *parse_value(parser *ps, int depth);

static int cmp_member(const void *arg, uint32_t a, uint32_t b)
{
    const json_member *m = arg, *x = &m[a], *y = &m[b];
    int c = memcmp(x->key, y->key, GS_MIN(x->key_len, y->key_len));
    if (c)
        return c;
    if (x->key_len != y->key_len)
        return x->key_len < y->key_len ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* Refuse an object that has a key twice, naming the first repeat in the
 * text. Keys are sorted rather than compared pairwise or hashed: an object
 * of n keys costs O(n log n) comparisons whatever the keys are (80,000
 * keys took 23 s pairwise, and crafted keys can defeat a hash). */
static json_value *check_duplicates(parser *ps, json_value *v)
{
    size_t n = v->u.obj.n;
    const json_member *m = v->u.obj.members;
    if (n < 2)
        return v;
    if (n > UINT32_MAX)
        return fail_oom(ps);
    if (!GS_GROW(ps->order, ps->order_cap, n))
        return fail_oom(ps);
    for (size_t i = 0; i < n; i++)
        ps->order[i] = (uint32_t)i;
    gs_sort_idx(ps->order, n, cmp_member, m);
    size_t first = n;
    for (size_t i = 1; i < n; i++) {
        const json_member *x = &m[ps->order[i - 1]], *y = &m[ps->order[i]];
        if (x->key_len == y->key_len &&
            memcmp(x->key, y->key, x->key_len) == 0)
            first = GS_MIN(first, (size_t)ps->order[i]);
    }
    if (first == n)
        return v;
    if (ps->status == GS_OK) {
        gs_errf(ps->err, GS_EPARSE, "%s:%u:%u: duplicate key \"%.64s\"",
                ps->name, m[first].line, m[first].col, m[first].key);
        ps->status = GS_EPARSE;
    }
    return NULL;
}

static json_value *parse_array(parser *ps, int depth)
{
    json_value *v = new_value(ps, JSON_ARRAY, ps->p);
    if (!v)
        return NULL;
    ps->p++;
    size_t base = ps->stack_len;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return v;
    }
    for (;;) {
        json_value *item = parse_value(ps, depth + 1);
        if (!item || !push(ps, item))
            return NULL;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            break;
        }
        return fail_at(ps, ps->p, "expected ',' or ']' in array");
    }
    size_t n = ps->stack_len - base;
    json_value **items = gs_arena_alloc(ps->arena, n * sizeof *items,
                                        _Alignof(json_value *));
    if (!items)
        return fail_oom(ps);
    memcpy(items, ps->stack + base, n * sizeof *items);
    ps->stack_len = base;
    v->u.arr.items = items;
    v->u.arr.n = n;
    return v;
}

static json_value *parse_object(parser *ps, int depth)
{
    json_value *v = new_value(ps, JSON_OBJECT, ps->p);
    if (!v)
        return NULL;
    ps->p++;
    size_t base = ps->stack_len;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return v;
    }
    for (;;) {
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '"')
            return fail_at(ps, ps->p, "expected a string key in object");
        json_member *m = gs_arena_alloc(ps->arena, sizeof *m,
                                        _Alignof(json_member));
        if (!m)
            return fail_oom(ps);
        m->line = ps->line;
        m->col = col_of(ps, ps->p);
        if (!parse_string(ps, &m->key, &m->key_len))
            return NULL;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':')
            return fail_at(ps, ps->p, "expected ':' after the key");
        ps->p++;
        m->value = parse_value(ps, depth + 1);
        if (!m->value || !push(ps, m))
            return NULL;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            break;
        }
        return fail_at(ps, ps->p, "expected ',' or '}' in object");
    }
    size_t n = ps->stack_len - base;
    json_member *members = gs_arena_alloc(ps->arena, n * sizeof *members,
                                          _Alignof(json_member));
    if (!members)
        return fail_oom(ps);
    for (size_t i = 0; i < n; i++)
        members[i] = *(json_member *)ps->stack[base + i];
    ps->stack_len = base;
    v->u.obj.members = members;
    v->u.obj.n = n;
    return check_duplicates(ps, v);
}

static bool match_word(parser *ps, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0)
        return false;
    ps->p += n;
    return true;
}

static json_value *parse_value(parser *ps, int depth)
{
    if (depth > JSON_MAX_DEPTH)
        return fail_at(ps, ps->p, "nesting deeper than 128 levels");
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail_at(ps, ps->p, "unexpected end of input");
    const char *at = ps->p;
    switch (*ps->p) {
    case '{':
        return parse_object(ps, depth);
    case '[':
        return parse_array(ps, depth);
    case '"': {
        json_value *v = new_value(ps, JSON_STRING, at);
        if (!v || !parse_string(ps, &v->u.str.s, &v->u.str.len))
            return NULL;
        return v;
    }
    case 't':
        if (match_word(ps, "true"))
            return new_value(ps, JSON_TRUE, at);
        break;
    case 'f':
        if (match_word(ps, "false"))
            return new_value(ps, JSON_FALSE, at);
        break;
    case 'n':
        if (match_word(ps, "null"))
            return new_value(ps, JSON_NULL, at);
        break;
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
            return parse_number(ps);
        break;
    }
    char tok[16];
    size_t k = 0;
    while (at + k < ps->end && k < sizeof tok - 1 &&
           (unsigned char)at[k] > 0x20 && (unsigned char)at[k] < 0x7f &&
           !strchr(",:[]{}\"", at[k])) {
        tok[k] = at[k];
        k++;
    }
    tok[k] = '\0';
    if (k == 0)
        return fail_at(ps, at, "unexpected character");
    return fail_at(ps, at, "unexpected token '%s'", tok);
}

gs_status json_parse(json_doc *doc, const char *text, size_t len,
                     const char *name, gs_err *err)
{
    memset(doc, 0, sizeof *doc);
    parser ps = {0};
    ps.p = text;
    ps.end = text + len;
    ps.line_start = text;
    ps.line = 1;
    ps.name = name ? name : "<buffer>";
    ps.err = err;
    ps.arena = &doc->arena;
    ps.status = GS_OK;
    /* A UTF-8 byte order mark is tolerated. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        ps.p += 3;
        ps.line_start = ps.p;
    }
    json_value *root = parse_value(&ps, 0);
    if (root) {
        skip_ws(&ps);
        if (ps.p < ps.end)
            root = fail_at(&ps, ps.p, "unexpected text after the end");
    }
    gs_free(ps.stack);
    gs_free(ps.order);
    if (!root) {
        gs_arena_free(&doc->arena);
        doc->root = NULL;
        return ps.status;
    }
    doc->root = root;
    return GS_OK;
}

void json_doc_free(json_doc *doc)
{
    gs_arena_free(&doc->arena);
    doc->root = NULL;
}

const char *json_type_name(json_type t)
{
    static const char *names[] = {"null",   "false", "true",  "a number",
                                  "a string", "an array", "an object"};
    return (unsigned)t < GS_ARRAY_LEN(names) ? names[t] : "?";
}

const json_member *json_member_get(const json_value *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT)
        return NULL;
    size_t kl = strlen(key);
    for (size_t i = 0; i < obj->u.obj.n; i++) {
        const json_member *m = &obj->u.obj.members[i];
        if (m->key_len == kl && memcmp(m->key, key, kl) == 0)
            return m;
    }
    return NULL;
}

/* Decompose a number literal into sign, up to 19 significant digits and a
 * decimal exponent. Digits beyond 19 only shift the exponent. */
static void decompose(const json_value *v, bool *neg, uint64_t *mant,
                      int64_t *exp10)
{
    const char *p = v->u.num.text, *end = p + v->u.num.len;
    *neg = false;
    *mant = 0;
    *exp10 = 0;
    if (p < end && *p == '-') {
        *neg = true;
        p++;
    }
    int digits = 0;
    bool frac = false;
    for (; p < end; p++) {
        if (*p == '.') {
            frac = true;
            continue;
        }
        if (*p == 'e' || *p == 'E')
            break;
        if (digits < 19) {
            *mant = *mant * 10 + (uint64_t)(*p - '0');
            if (*mant)
                digits++;
            if (frac)
                (*exp10)--;
        } else if (!frac) {
            (*exp10)++;
        }
    }
    if (p < end) {
        p++;
        bool eneg = false;
        if (*p == '+' || *p == '-')
            eneg = *p++ == '-';
        int64_t e = 0;
        for (; p < end; p++)
            if (e < 100000)
                e = e * 10 + (*p - '0');
        *exp10 += eneg ? -e : e;
    }
}

double json_number_double(const json_value *v)
{
    if (v->u.num.is_int)
        return (double)v->u.num.i;
    bool neg;
    uint64_t mant;
    int64_t e;
    decompose(v, &neg, &mant, &e);
    double d = (double)mant;
    if (e > 400)
        d = mant ? HUGE_VAL : 0.0;
    else if (e < -400)
        d = 0.0;
    else if (e >= 0)
        d *= pow(10.0, (double)e);
    else
        d /= pow(10.0, (double)-e);
    return neg ? -d : d;
}

bool json_number_milli(const json_value *v, int64_t *out)
{
    bool neg;
    uint64_t mant;
    int64_t e;
    decompose(v, &neg, &mant, &e);
    e += 3; /* scale by 1000 */
    if (mant == 0) {
        *out = 0;
        return true;
    }
    if (e >= 0) {
        for (int64_t i = 0; i < e; i++) {
            if (mant > (uint64_t)INT64_MAX / 10)
                return false;
            mant *= 10;
        }
    } else {
        /* mant < 10^19, so below 10^-19 it rounds to 0; 10^20 would not
         * fit in the divisor (it wrapped, and 0.0001 became 0.001) */
        if (e < -19) {
            mant = 0;
        } else {
            uint64_t div = 1;
            for (int64_t i = 0; i < -e; i++)
                div *= 10;
            mant = (mant + div / 2) / div; /* round half up */
        }
    }
    if (mant > (uint64_t)INT64_MAX)
        return false;
    *out = neg ? -(int64_t)mant : (int64_t)mant;
    return true;
}

void json_write_string(gs_buf *b, const char *s, size_t len)
{
    gs_buf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': gs_buf_puts(b, "\\\""); break;
        case '\\': gs_buf_puts(b, "\\\\"); break;
        case '\n': gs_buf_puts(b, "\\n"); break;
        case '\r': gs_buf_puts(b, "\\r"); break;
        case '\t': gs_buf_puts(b, "\\t"); break;
        default:
            if (c < 0x20)
                gs_buf_printf(b, "\\u%04x", c);
            else
                gs_buf_putc(b, (char)c);
        }
    }
    gs_buf_putc(b, '"');
}
