/*
 * Allocator hooks. One process-wide allocator; every allocation the library
 * makes goes through it. It can only be replaced while the library holds no
 * memory, so a block is always released by the allocator that made it.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "common/util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static void *default_malloc(void *user, size_t size)
{
    (void)user;
    return malloc(size);
}

static void *default_realloc(void *user, void *ptr, size_t size)
{
    (void)user;
    return realloc(ptr, size);
}

static void default_free(void *user, void *ptr)
{
    (void)user;
    free(ptr);
}

static const gs_allocator default_allocator = {
    default_malloc, default_realloc, default_free, NULL};

static gs_allocator current = {default_malloc, default_realloc, default_free,
                               NULL};
static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
/* Blocks handed out and not yet released. */
static atomic_long live_blocks;

GS_API gs_status gs_set_allocator(const gs_allocator *allocator)
{
    if (allocator && (!allocator->malloc_fn || !allocator->realloc_fn ||
                      !allocator->free_fn))
        return GS_EINVAL;
    gs_status st = GS_OK;
    pthread_mutex_lock(&current_lock);
    if (atomic_load(&live_blocks) != 0)
        st = GS_EBUSY;
    else
        current = allocator ? *allocator : default_allocator;
    pthread_mutex_unlock(&current_lock);
    return st;
}

GS_API void gs_get_allocator(gs_allocator *out)
{
    if (!out)
        return;
    pthread_mutex_lock(&current_lock);
    *out = current;
    pthread_mutex_unlock(&current_lock);
}

void *gs_malloc(size_t size)
{
    if (size == 0)
        size = 1;
    void *p = current.malloc_fn(current.user, size);
    if (p)
        atomic_fetch_add_explicit(&live_blocks, 1, memory_order_relaxed);
    return p;
}

void *gs_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t total = n * size;
    void *p = gs_malloc(total);
    if (p && total)
        memset(p, 0, total);
    return p;
}

void *gs_realloc(void *ptr, size_t size)
{
    if (!ptr)
        return gs_malloc(size);
    if (size == 0)
        size = 1;
    return current.realloc_fn(current.user, ptr, size);
}

GS_API void gs_free(void *ptr)
{
    if (!ptr)
        return;
    current.free_fn(current.user, ptr);
    atomic_fetch_sub_explicit(&live_blocks, 1, memory_order_relaxed);
}

char *gs_strndup(const char *s, size_t n)
{
    char *p = gs_malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *gs_strdup(const char *s) { return gs_strndup(s, strlen(s)); }

bool gs_grow(void **arr, size_t *cap, size_t need, size_t esz)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap : 4;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return false;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / esz)
        return false;
    void *p = gs_realloc(*arr, ncap * esz);
    if (!p)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}
