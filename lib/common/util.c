/*
 * Error messages, byte buffers, arena, string table, file reading.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- errors ------------------------------------------------------------ */

gs_status gs_verrf(gs_err *e, gs_status status, const char *fmt, va_list ap)
{
    if (e)
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return status;
}

gs_status gs_errf(gs_err *e, gs_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gs_verrf(e, status, fmt, ap);
    va_end(ap);
    return status;
}

/* ---- buffers ----------------------------------------------------------- */

void gs_buf_free(gs_buf *b)
{
    gs_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}

static bool buf_reserve(gs_buf *b, size_t more)
{
    if (b->failed)
        return false;
    if (more > SIZE_MAX - b->len - 1 ||
        !GS_GROW(b->data, b->cap, b->len + more + 1)) {
        b->failed = true;
        return false;
    }
    return true;
}

void gs_buf_put(gs_buf *b, const char *s, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

void gs_buf_puts(gs_buf *b, const char *s) { gs_buf_put(b, s, strlen(s)); }

void gs_buf_putc(gs_buf *b, char c) { gs_buf_put(b, &c, 1); }

void gs_buf_printf(gs_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        gs_buf_put(b, small, (size_t)n);
        return;
    }
    if (!buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

bool gs_buf_finish(gs_buf *b)
{
    if (!buf_reserve(b, 0))
        return false;
    b->data[b->len] = '\0';
    return true;
}

gs_status gs_copy_out(const char *text, size_t n, char *buf, size_t cap,
                      size_t *len)
{
    if (len)
        *len = n;
    if (!buf || cap <= n) {
        if (buf && cap)
            buf[0] = '\0';
        return GS_ENOSPC;
    }
    memcpy(buf, text, n);
    buf[n] = '\0';
    return GS_OK;
}

/* ---- arena ------------------------------------------------------------- */

struct gs_arena_chunk {
    gs_arena_chunk *next;
    size_t size;
    max_align_t data[];
};

void *gs_arena_alloc(gs_arena *a, size_t size, size_t align)
{
    size_t pad = 0;
    if (a->head) {
        uintptr_t at = (uintptr_t)a->head->data + a->used;
        pad = (align - at % align) % align;
    }
    if (!a->head || size + pad > a->avail) {
        size_t want = size > 4096 ? size : 16384 - sizeof(gs_arena_chunk);
        gs_arena_chunk *c = gs_malloc(sizeof *c + want);
        if (!c)
            return NULL;
        c->next = a->head;
        c->size = want;
        a->head = c;
        a->used = 0;
        a->avail = want;
        pad = 0;
    }
    void *p = (char *)a->head->data + a->used + pad;
    a->used += size + pad;
    a->avail -= size + pad;
    return p;
}

char *gs_arena_strndup(gs_arena *a, const char *s, size_t n)
{
    char *p = gs_arena_alloc(a, n + 1, 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void gs_arena_free(gs_arena *a)
{
    gs_arena_chunk *c = a->head;
    while (c) {
        gs_arena_chunk *next = c->next;
        gs_free(c);
        c = next;
    }
    a->head = NULL;
    a->used = a->avail = 0;
}

/* ---- string table ------------------------------------------------------ */

/* FNV-1a, 32 bits: fast enough for names and deterministic everywhere. */
uint32_t gs_hash_bytes(const void *p, size_t n, uint32_t seed)
{
    const unsigned char *s = p;
    uint32_t h = 2166136261u ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 16777619u;
    }
    /* FNV's low bits are weak for long, similar keys (UUIDs, hostnames);
     * tables index with the low bits, so mix them (murmur3's finalizer). */
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

const gs_strtab_slot *gs_strtab_get(const gs_strtab *t, const char *key,
                                    size_t len)
{
    if (!t->cap)
        return NULL;
    uint32_t h = gs_hash_bytes(key, len, 0);
    size_t mask = t->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const gs_strtab_slot *s = &t->slots[i];
        if (!s->key)
            return NULL;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
            return s;
    }
}

static void strtab_insert_slot(gs_strtab_slot *slots, size_t cap,
                               const gs_strtab_slot *src)
{
    size_t mask = cap - 1;
    for (size_t i = src->hash & mask;; i = (i + 1) & mask) {
        if (!slots[i].key) {
            slots[i] = *src;
            return;
        }
    }
}

bool gs_strtab_reserve(gs_strtab *t, size_t more)
{
    size_t need = t->count + more;
    if (need > UINT32_MAX)
        return false;
    if (t->cap && need * 4 < t->cap * 3)
        return true;
    size_t ncap = t->cap ? t->cap : 16;
    while (need * 4 >= ncap * 3)
        ncap *= 2;
    gs_strtab_slot *ns = gs_calloc(ncap, sizeof *ns);
    if (!ns)
        return false;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].key)
            strtab_insert_slot(ns, ncap, &t->slots[i]);
    gs_free(t->slots);
    t->slots = ns;
    t->cap = ncap;
    return true;
}

bool gs_strtab_put(gs_strtab *t, const char *key, size_t len, uint32_t val)
{
    if (len > UINT32_MAX || !gs_strtab_reserve(t, 1))
        return false;
    gs_strtab_slot s = {key, (uint32_t)len, gs_hash_bytes(key, len, 0), val};
    strtab_insert_slot(t->slots, t->cap, &s);
    t->count++;
    return true;
}

void gs_strtab_free(gs_strtab *t)
{
    gs_free(t->slots);
    t->slots = NULL;
    t->cap = t->count = 0;
}

const char *gs_intern(gs_interner *in, const char *s, size_t len)
{
    const gs_strtab_slot *slot = gs_strtab_get(&in->tab, s, len);
    if (slot)
        return slot->key;
    if (!gs_strtab_reserve(&in->tab, 1))
        return NULL;
    char *copy = gs_arena_strndup(&in->arena, s, len);
    if (!copy)
        return NULL;
    gs_strtab_put(&in->tab, copy, len, 0); /* cannot fail: reserved */
    return copy;
}

void gs_interner_free(gs_interner *in)
{
    gs_strtab_free(&in->tab);
    gs_arena_free(&in->arena);
}

/* ---- sorting ---------------------------------------------------------- */

static void sift(uint32_t *v, size_t start, size_t end, gs_idx_cmp cmp,
                 const void *arg)
{
    size_t root = start;
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= end)
            return;
        if (child + 1 < end && cmp(arg, v[child], v[child + 1]) < 0)
            child++;
        if (cmp(arg, v[root], v[child]) >= 0)
            return;
        uint32_t t = v[root];
        v[root] = v[child];
        v[child] = t;
        root = child;
    }
}

void gs_sort_idx(uint32_t *v, size_t n, gs_idx_cmp cmp, const void *arg)
{
    if (n < 2)
        return;
    for (size_t i = n / 2; i-- > 0;)
        sift(v, i, n, cmp, arg);
    for (size_t end = n - 1; end > 0; end--) {
        uint32_t t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift(v, 0, end, cmp, arg);
    }
}

/* ---- quoting ----------------------------------------------------------- */

const char *gs_printable(char *out, size_t cap, const char *s, size_t n)
{
    if (cap == 0)
        return out;
    if (!s) {
        snprintf(out, cap, "(null)");
        return out;
    }
    size_t o = 0;
    for (size_t i = 0; i < n && (n != SIZE_MAX || s[i]); i++) {
        unsigned char c = (unsigned char)s[i];
        char piece[5];
        size_t len;
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
            piece[0] = (char)c;
            len = 1;
        } else if (c == '\\' || c == '"') {
            piece[0] = '\\';
            piece[1] = (char)c;
            len = 2;
        } else {
            static const char hex[] = "0123456789abcdef";
            piece[0] = '\\';
            piece[1] = 'x';
            piece[2] = hex[c >> 4];
            piece[3] = hex[c & 15];
            len = 4;
        }
        /* keep room for "..." and the NUL when more may follow */
        if (o + len + 4 > cap) {
            size_t dots = GS_MIN((size_t)3, cap - 1 - o);
            memset(out + o, '.', dots);
            o += dots;
            break;
        }
        memcpy(out + o, piece, len);
        o += len;
    }
    out[o] = '\0';
    return out;
}

size_t gs_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    unsigned char c = (unsigned char)s[0];
    size_t len;
    uint32_t min;
    if (c < 0x80) {
        if (cp)
            *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0) {
        len = 2;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    uint32_t v = c & (0x7Fu >> len);
    for (size_t k = 1; k < len; k++) {
        unsigned char d = (unsigned char)s[k];
        if ((d & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (d & 0x3Fu);
    }
    if (v < min || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
        return 0;
    if (cp)
        *cp = v;
    return len;
}

size_t gs_utf8_encode(char out[4], uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- files ------------------------------------------------------------- */

gs_status gs_read_file(const char *path, char **data, size_t *size,
                       uint64_t limit, gs_err *err)
{
    if (limit == 0)
        limit = GS_MAX_INPUT_DEFAULT;
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int saved = errno;
        gs_errf(err, GS_EIO, "%s: %s", path, strerror(saved));
        errno = saved; /* callers tell "missing" from "unreadable" */
        return GS_EIO;
    }
    gs_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if ((uint64_t)b.len + n > limit) {
            fclose(f);
            gs_buf_free(&b);
            return gs_errf(err, GS_ERANGE,
                           "%s: larger than the input limit of %llu bytes "
                           "(max_input_bytes in the load options raises it)",
                           path, (unsigned long long)limit);
        }
        gs_buf_put(&b, chunk, n);
        if (b.failed)
            break;
    }
    int rerr = ferror(f);
    int saved = errno;
    fclose(f);
    if (rerr) {
        gs_buf_free(&b);
        return gs_errf(err, GS_EIO, "%s: %s", path, strerror(saved));
    }
    if (!gs_buf_finish(&b)) {
        gs_buf_free(&b);
        return gs_errf(err, GS_ENOMEM, "%s: out of memory reading the file",
                       path);
    }
    *data = b.data;
    *size = b.len;
    return GS_OK;
}

bool gs_list_next(const char **pp, const char **item, size_t *len)
{
    static const char after_comma[1] = ""; /* a comma ended the text */
    const char *p = *pp;
    if (!p || (!*p && p != after_comma))
        return false;
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    while (n && *p == ' ')
        p++, n--;
    while (n && p[n - 1] == ' ')
        n--;
    *item = p;
    *len = n;
    *pp = !e ? NULL : e[1] ? e + 1 : after_comma;
    return true;
}
