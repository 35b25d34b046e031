/*
 * Internal helpers shared by every module: allocation through the hooks,
 * error messages, growable byte buffers, an arena and a string table.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_UTIL_H
#define GS_UTIL_H

#include <gpusched/gpusched.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#  define GS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#  define GS_UNUSED __attribute__((unused))
#else
#  define GS_PRINTF(f, a)
#  define GS_UNUSED
#endif

/* ---- allocation (alloc.c) ---------------------------------------------- */

void *gs_malloc(size_t size);
void *gs_calloc(size_t n, size_t size);
void *gs_realloc(void *ptr, size_t size);
/* gs_free() is public (gpusched.h). */
char *gs_strndup(const char *s, size_t n);
char *gs_strdup(const char *s);

/* The next item of a comma-separated list, spaces around it dropped: true
 * with *item and *len (0 for an empty item: ",,", a trailing comma, only
 * spaces), false at the end. Start with *p at the text (NULL or "": no
 * items); *p moves past the item and its comma. */
bool gs_list_next(const char **p, const char **item, size_t *len);

/* Grow *arr (element size esz) so that it holds at least need elements;
 * *cap is updated. Returns false (and leaves *arr untouched) on failure. */
bool gs_grow(void **arr, size_t *cap, size_t need, size_t esz);
#define GS_GROW(arr, cap, need) \
    gs_grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* ---- error messages ---------------------------------------------------- */

#define GS_ERRMSG_MAX 512

typedef struct gs_err {
    char msg[GS_ERRMSG_MAX];
} gs_err;

/* Set the message and return status (so callers can `return gs_errf(...)`). */
gs_status gs_errf(gs_err *e, gs_status status, const char *fmt, ...)
    GS_PRINTF(3, 4);
gs_status gs_verrf(gs_err *e, gs_status status, const char *fmt, va_list ap)
    GS_PRINTF(3, 0);
static inline void gs_err_clear(gs_err *e) { if (e) e->msg[0] = '\0'; }

/* ---- growable byte buffer ---------------------------------------------- */

typedef struct gs_buf {
    char *data;
    size_t len, cap;
    bool failed; /* an append ran out of memory */
} gs_buf;

void gs_buf_free(gs_buf *b);
void gs_buf_put(gs_buf *b, const char *s, size_t n);
void gs_buf_puts(gs_buf *b, const char *s);
void gs_buf_putc(gs_buf *b, char c);
void gs_buf_printf(gs_buf *b, const char *fmt, ...) GS_PRINTF(2, 3);
/* NUL-terminate; returns false if any append failed. */
bool gs_buf_finish(gs_buf *b);

/* Copy text into a caller's buffer the way the public API does it:
 * len always set, GS_ENOSPC when cap is too small. */
gs_status gs_copy_out(const char *text, size_t n, char *buf, size_t cap,
                      size_t *len);

/* ---- arena: many small allocations released together ------------------- */

typedef struct gs_arena_chunk gs_arena_chunk;
typedef struct gs_arena {
    gs_arena_chunk *head;
    size_t used, avail; /* within head */
} gs_arena;

void *gs_arena_alloc(gs_arena *a, size_t size, size_t align);
char *gs_arena_strndup(gs_arena *a, const char *s, size_t n);
void gs_arena_free(gs_arena *a);

/* ---- string table: string -> uint32_t, open addressing ----------------- */

typedef struct gs_strtab_slot {
    const char *key; /* NULL when empty; not owned */
    uint32_t len;
    uint32_t hash;
    uint32_t val;
} gs_strtab_slot;

typedef struct gs_strtab {
    gs_strtab_slot *slots;
    size_t cap; /* power of two or 0 */
    size_t count;
} gs_strtab;

uint32_t gs_hash_bytes(const void *p, size_t n, uint32_t seed);
/* Lookup: returns the slot or NULL. */
const gs_strtab_slot *gs_strtab_get(const gs_strtab *t, const char *key,
                                    size_t len);
/* Insert key (which must stay valid) -> val. Returns false on OOM. The key
 * must not be present. */
bool gs_strtab_put(gs_strtab *t, const char *key, size_t len, uint32_t val);
/* Make room for `more` insertions without allocating later. */
bool gs_strtab_reserve(gs_strtab *t, size_t more);
void gs_strtab_free(gs_strtab *t);

/* Intern: returns a stable copy of s (allocated in arena) shared by equal
 * strings. NULL on OOM. */
typedef struct gs_interner {
    gs_strtab tab;
    gs_arena arena;
} gs_interner;
const char *gs_intern(gs_interner *in, const char *s, size_t len);
void gs_interner_free(gs_interner *in);

/* Text from outside, made safe to quote in a message: printable ASCII is
 * kept, any other byte becomes \xNN (a backslash or quote is escaped), and
 * what does not fit in cap (with "..." to say so) is dropped. Returns out,
 * always NUL-terminated. n may be SIZE_MAX for a NUL-terminated s; NULL
 * gives "(null)". */
const char *gs_printable(char *out, size_t cap, const char *s, size_t n);

/* ---- misc -------------------------------------------------------------- */

#define GS_MIN(a, b) ((a) < (b) ? (a) : (b))
#define GS_MAX(a, b) ((a) > (b) ? (a) : (b))
#define GS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Heap sort of indices, in place, allocating nothing: cmp(arg, a, b) < 0
 * when a comes first. Deterministic when cmp breaks every tie. */
typedef int (*gs_idx_cmp)(const void *arg, uint32_t a, uint32_t b);
void gs_sort_idx(uint32_t *v, size_t n, gs_idx_cmp cmp, const void *arg);

/* The length of the well-formed UTF-8 sequence at s (n bytes available,
 * n >= 1), its code point in *cp (may be NULL); 0 when it is not UTF-8
 * (overlong forms, surrogates and code points above U+10FFFF refused). */
size_t gs_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Write code point cp (at most U+10FFFF) to out as UTF-8; its length. */
size_t gs_utf8_encode(char out[4], uint32_t cp);

/* Read a whole file (adds a NUL). Sets *err with the path and strerror.
 * Reads at most limit bytes (0: GS_MAX_INPUT_DEFAULT): a longer file or an
 * endless stream is GS_ERANGE, with a message naming the limit. */
gs_status gs_read_file(const char *path, char **data, size_t *size,
                       uint64_t limit, gs_err *err);

#endif
