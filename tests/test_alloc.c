/*
 * Allocator hooks: every allocation goes through them, and they cannot be
 * swapped while the library holds memory.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <stdlib.h>

static long calls;

static void *c_malloc(void *user, size_t n)
{
    (*(long *)user)++;
    return malloc(n);
}
static void *c_realloc(void *user, void *p, size_t n)
{
    (*(long *)user)++;
    return realloc(p, n);
}
static void c_free(void *user, void *p)
{
    (void)user;
    free(p);
}

static void hooks_are_used_and_guarded(void **state)
{
    (void)state;
    gs_allocator a = {c_malloc, c_realloc, c_free, &calls};
    assert_int_equal(gs_set_allocator(&a), GS_OK);
    gs_allocator got;
    gs_get_allocator(&got);
    assert_ptr_equal(got.malloc_fn, c_malloc);
    assert_ptr_equal(got.user, &calls);

    gs_topo *t;
    assert_int_equal(gs_topo_load(&t, "dgx-h100", NULL), GS_OK);
    assert_true(calls > 5);
    /* while the topology lives, the allocator cannot change */
    assert_int_equal(gs_set_allocator(NULL), GS_EBUSY);
    char *json;
    assert_int_equal(gs_topo_to_json(t, &json, NULL), GS_OK);
    gs_topo_destroy(t);
    assert_int_equal(gs_set_allocator(NULL), GS_EBUSY); /* json is live */
    gs_free(json);
    assert_int_equal(gs_set_allocator(NULL), GS_OK);
    gs_get_allocator(&got);
    assert_ptr_not_equal(got.malloc_fn, c_malloc);

    gs_allocator incomplete = {c_malloc, NULL, c_free, NULL};
    assert_int_equal(gs_set_allocator(&incomplete), GS_EINVAL);
    gs_get_allocator(NULL);
    gs_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hooks_are_used_and_guarded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
