/*
 * A process-wide registry of named ops tables (placement, ordering and
 * fair-share policies): a short list guarded by a lock, whose first
 * entries are the built-ins, registered on first use.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_REGISTRY_H
#define GS_REGISTRY_H

#include <gpusched/core.h>

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define GS_REGISTRY_MAX 64

typedef struct gs_registry {
    pthread_mutex_t lock;
    const void *const *builtins; /* NULL-terminated */
    const char *(*name_of)(const void *ops);
    const void *items[GS_REGISTRY_MAX];
    size_t n, n_builtin;
    bool ready;
} gs_registry;

#define GS_REGISTRY_INIT(builtins, name_of)                                 \
    { PTHREAD_MUTEX_INITIALIZER, (builtins), (name_of), {0}, 0, 0, false }

/* The caller has checked the table itself. GS_EEXIST, GS_ENOMEM. */
gs_status gs_registry_add(gs_registry *r, const void *ops);
const void *gs_registry_find(gs_registry *r, const char *name);
/* GS_ENOTFOUND; GS_EINVAL for a built-in. */
gs_status gs_registry_remove(gs_registry *r, const char *name);
size_t gs_registry_count(gs_registry *r);
const char *gs_registry_name(gs_registry *r, size_t i);

#endif
