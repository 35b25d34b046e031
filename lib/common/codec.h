/*
 * A byte codec for the durable formats (docs/formats.md): unsigned LEB128
 * varints, zigzag for signed values, doubles as their 8 IEEE-754 bytes
 * little-endian, strings as a varint length + 1 (0: NULL) and the bytes.
 * The writer grows a buffer and remembers running out of memory; the
 * reader never reads past its end and remembers the first problem with
 * its offset.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_CODEC_H
#define GS_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gs_wbuf {
    uint8_t *p;
    size_t n, cap;
    bool oom;
} gs_wbuf;

void gs_w_bytes(gs_wbuf *w, const void *p, size_t n);
void gs_w_u8(gs_wbuf *w, uint8_t v);
void gs_w_uv(gs_wbuf *w, uint64_t v);
void gs_w_sv(gs_wbuf *w, int64_t v);
void gs_w_f64(gs_wbuf *w, double v);
void gs_w_u32le(gs_wbuf *w, uint32_t v);
void gs_w_u64le(gs_wbuf *w, uint64_t v);
/* NULL is written as length 0; a string is stored with its NUL. */
void gs_w_str(gs_wbuf *w, const char *s);
void gs_w_free(gs_wbuf *w);

typedef struct gs_rbuf {
    const uint8_t *p;
    size_t n, pos;
    size_t base;     /* offset of p[0] in the whole input (messages) */
    bool bad;
    size_t bad_at;   /* offset of the first problem */
    char why[96];
} gs_rbuf;

void gs_r_init(gs_rbuf *r, const void *p, size_t n, size_t base);
/* Mark the reader bad at its position (the first call wins). */
void gs_r_fail(gs_rbuf *r, const char *why);
uint8_t gs_r_u8(gs_rbuf *r);
uint64_t gs_r_uv(gs_rbuf *r);
int64_t gs_r_sv(gs_rbuf *r);
double gs_r_f64(gs_rbuf *r);
uint32_t gs_r_u32le(gs_rbuf *r);
uint64_t gs_r_u64le(gs_rbuf *r);
/* A varint that must be at most max (else the reader goes bad). */
uint64_t gs_r_uv_max(gs_rbuf *r, uint64_t max, const char *what);
/* A string inside the input (NUL-terminated there), or NULL for a NULL
 * one; *len its length. Embedded NULs, a missing NUL, or a length above
 * max_len make the reader bad. */
const char *gs_r_str(gs_rbuf *r, size_t max_len, size_t *len);
/* n bytes inside the input. */
const uint8_t *gs_r_bytes(gs_rbuf *r, size_t n);
/* Bytes left. */
static inline size_t gs_r_left(const gs_rbuf *r)
{
    return r->bad ? 0 : r->n - r->pos;
}

/* CRC-32C (Castagnoli), as iSCSI and ext4 use it; crc starts at 0. */
uint32_t gs_crc32c(uint32_t crc, const void *p, size_t n);

#endif
