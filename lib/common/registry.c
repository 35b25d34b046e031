/*
 * The registries of placement, ordering and fair-share policies.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "common/registry.h"

#include <string.h>

static gs_status add_locked(gs_registry *r, const void *ops)
{
    const char *name = r->name_of(ops);
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->name_of(r->items[i]), name) == 0)
            return GS_EEXIST;
    if (r->n == GS_REGISTRY_MAX)
        return GS_ENOMEM;
    r->items[r->n++] = ops;
    return GS_OK;
}

/* Called with the lock held. */
static void ready(gs_registry *r)
{
    if (r->ready)
        return;
    r->ready = true;
    for (const void *const *b = r->builtins; b && *b; b++)
        add_locked(r, *b);
    r->n_builtin = r->n;
}

gs_status gs_registry_add(gs_registry *r, const void *ops)
{
    pthread_mutex_lock(&r->lock);
    ready(r);
    gs_status st = add_locked(r, ops);
    pthread_mutex_unlock(&r->lock);
    return st;
}

const void *gs_registry_find(gs_registry *r, const char *name)
{
    if (!name)
        return NULL;
    const void *found = NULL;
    pthread_mutex_lock(&r->lock);
    ready(r);
    for (size_t i = 0; i < r->n && !found; i++)
        if (strcmp(r->name_of(r->items[i]), name) == 0)
            found = r->items[i];
    pthread_mutex_unlock(&r->lock);
    return found;
}

gs_status gs_registry_remove(gs_registry *r, const char *name)
{
    if (!name)
        return GS_EINVAL;
    gs_status st = GS_ENOTFOUND;
    pthread_mutex_lock(&r->lock);
    ready(r);
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->name_of(r->items[i]), name) != 0)
            continue;
        if (i < r->n_builtin) {
            st = GS_EINVAL;
            break;
        }
        memmove(r->items + i, r->items + i + 1,
                (r->n - i - 1) * sizeof *r->items);
        r->n--;
        st = GS_OK;
        break;
    }
    pthread_mutex_unlock(&r->lock);
    return st;
}

size_t gs_registry_count(gs_registry *r)
{
    pthread_mutex_lock(&r->lock);
    ready(r);
    size_t n = r->n;
    pthread_mutex_unlock(&r->lock);
    return n;
}

const char *gs_registry_name(gs_registry *r, size_t i)
{
    const char *name = NULL;
    pthread_mutex_lock(&r->lock);
    ready(r);
    if (i < r->n)
        name = r->name_of(r->items[i]);
    pthread_mutex_unlock(&r->lock);
    return name;
}
