/*
 * A growing byte buffer and a gs_write_fn into it: where the tests, the
 * fuzzers and the API-program interpreter put snapshots (header-only: the
 * fuzzers link no test support).
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_TEST_MEMBUF_H
#define GS_TEST_MEMBUF_H

#include <gpusched/gpusched.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct membuf {
    uint8_t *p;
    size_t n, cap;
} membuf;

/* A gs_write_fn: appends to the membuf ud. */
static inline gs_status membuf_write(void *ud, const void *data, size_t size)
{
    membuf *m = ud;
    if (m->n + size > m->cap) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap < m->n + size)
            cap *= 2;
        uint8_t *q = realloc(m->p, cap);
        if (!q)
            return GS_ENOMEM;
        m->p = q;
        m->cap = cap;
    }
    memcpy(m->p + m->n, data, size);
    m->n += size;
    return GS_OK;
}

#endif
