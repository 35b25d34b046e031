/*
 * Version and status codes.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>

static void version_agrees(void **state)
{
    (void)state;
    assert_int_equal(gs_version(), GS_VERSION_NUMBER);
    char buf[32];
    snprintf(buf, sizeof buf, "%d.%d.%d", GS_VERSION_MAJOR, GS_VERSION_MINOR,
             GS_VERSION_PATCH);
    assert_string_equal(gs_version_string(), buf);
    assert_string_equal(GS_VERSION_STRING, buf);
}

/* Released codes keep their values: this list is the contract. */
static void codes_are_stable(void **state)
{
    (void)state;
    assert_int_equal(GS_OK, 0);
    assert_int_equal(GS_EINVAL, -1);
    assert_int_equal(GS_ENOMEM, -2);
    assert_int_equal(GS_EPARSE, -3);
    assert_int_equal(GS_EIO, -4);
    assert_int_equal(GS_ENOTFOUND, -5);
    assert_int_equal(GS_EFROZEN, -6);
    assert_int_equal(GS_ENOTFROZEN, -7);
    assert_int_equal(GS_EEXIST, -8);
    assert_int_equal(GS_ERANGE, -9);
    assert_int_equal(GS_ENODEV, -10);
    assert_int_equal(GS_ENOSPC, -11);
    assert_int_equal(GS_EINVALID, -12);
    assert_int_equal(GS_EBUSY, -13);
    assert_int_equal(GS_EUNSUPPORTED, -14);
    assert_int_equal(GS_ENORES, -15);
    assert_int_equal(GS_ESTATE, -16);
    assert_int_equal(GS_EDRIVER, -17);
}

static void names_and_messages(void **state)
{
    (void)state;
    assert_string_equal(gs_status_name(GS_OK), "GS_OK");
    assert_string_equal(gs_status_name(GS_EPARSE), "GS_EPARSE");
    assert_string_equal(gs_strerror(GS_ENOMEM), "out of memory");
    /* every code in the table has a distinct name and a message */
    int codes[] = {
#define X(name, value, msg) value,
        GS_STATUS_MAP(X)
#undef X
    };
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        assert_true(codes[i] <= 0);
        assert_string_not_equal(gs_status_name(codes[i]), "GS_UNKNOWN");
        assert_string_not_equal(gs_strerror(codes[i]), "unknown status");
        assert_true(strlen(gs_strerror(codes[i])) > 3);
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(codes[i], codes[j]);
            assert_string_not_equal(gs_status_name(codes[i]),
                                    gs_status_name(codes[j]));
        }
    }
    assert_string_equal(gs_status_name(12345), "GS_UNKNOWN");
    assert_string_equal(gs_strerror(-9999), "unknown status");
    assert_string_equal(gs_status_name(1), "GS_UNKNOWN");
}

/* The documented copy of the enum that Doxygen reads must list exactly the
 * codes of GS_STATUS_MAP. */
static void documented_enum_matches_table(void **state)
{
    (void)state;
    char *h = test_read_file(GS_PUBLIC_HEADER, NULL);
    assert_non_null(h);
    char *doc = strstr(h, "#if defined(GS_DOXYGEN)");
    assert_non_null(doc);
    char *end = strstr(doc, "#else");
    assert_non_null(end);
    *end = '\0';
    size_t listed = 0;
    for (char *p = doc; (p = strstr(p, " = ")) != NULL; p += 3)
        listed++;
#define X(name, value, msg)                                               \
    do {                                                                  \
        char want[64];                                                    \
        snprintf(want, sizeof want, "GS_%s = %d,", #name, value);         \
        if (!strstr(doc, want))                                           \
            fail_msg("the Doxygen enum lacks '%s'", want);                \
        listed--;                                                         \
    } while (0);
    GS_STATUS_MAP(X)
#undef X
    assert_int_equal(listed, 0);
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(version_agrees),
        cmocka_unit_test(codes_are_stable),
        cmocka_unit_test(names_and_messages),
        cmocka_unit_test(documented_enum_matches_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
