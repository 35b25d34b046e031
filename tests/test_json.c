/*
 * The JSON reader: values, positions, errors, limits.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include <stdlib.h>

#include "common/json.h"

static void parses_values(void **state)
{
    (void)state;
    const char *text = "{\n  \"a\": [1, -2, 3.5, 1e3, true, false, null],\n"
                       "  \"s\": \"x\\u00e9\\ud83d\\ude00\\n\"\n}";
    json_doc doc;
    gs_err err = {{0}};
    assert_int_equal(json_parse(&doc, text, strlen(text), "t", &err), GS_OK);
    const json_member *a = json_member_get(doc.root, "a");
    assert_non_null(a);
    assert_int_equal(a->line, 2);
    assert_int_equal(a->col, 3);
    const json_value *arr = a->value;
    assert_int_equal(arr->type, JSON_ARRAY);
    assert_int_equal(arr->u.arr.n, 7);
    assert_true(arr->u.arr.items[0]->u.num.is_int);
    assert_int_equal(arr->u.arr.items[1]->u.num.i, -2);
    assert_false(arr->u.arr.items[2]->u.num.is_int);
    assert_true(json_number_double(arr->u.arr.items[2]) == 3.5);
    assert_true(json_number_double(arr->u.arr.items[3]) == 1000.0);
    assert_int_equal(arr->u.arr.items[4]->type, JSON_TRUE);
    assert_int_equal(arr->u.arr.items[6]->type, JSON_NULL);
    assert_int_equal(arr->u.arr.items[6]->line, 2);
    assert_int_equal(arr->u.arr.items[6]->col, 39);
    const json_member *s = json_member_get(doc.root, "s");
    /* x, e-acute (2 bytes), U+1F600 (4 bytes), newline */
    assert_int_equal(s->value->u.str.len, 8);
    assert_memory_equal(s->value->u.str.s, "x\xc3\xa9\xf0\x9f\x98\x80\n", 8);
    json_doc_free(&doc);
}

static void milli_conversion(void **state)
{
    (void)state;
    struct {
        const char *text;
        int64_t milli;
    } cases[] = {{"25", 25000},       {"56.25", 56250}, {"0.0005", 1},
                 {"0.0004", 0},       {"1e2", 100000},  {"14.0625", 14063},
                 {"-3.5", -3500},     {"1.5E-1", 150},  {"0", 0},
                 /* 19 digits scaled below 10^-19: 0.0999 milli is 0 (the
                  * divisor 10^20 wrapped around and gave 1) */
                 {"9999999999999999999e-23", 0},
                 {"9999999999999999999e-22", 1},  /* 0.9999... milli */
                 {"9999999999999999999e-21", 10}, /* 9.999... milli */
                 {"0.00000000000000000000000000001", 0},
                 {"9223372036854775.807", INT64_MAX}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_doc doc;
        gs_err err;
        assert_int_equal(json_parse(&doc, cases[i].text, strlen(cases[i].text),
                                    "t", &err),
                         GS_OK);
        int64_t m;
        if (!json_number_milli(doc.root, &m))
            fail_msg("%s: refused", cases[i].text);
        if (m != cases[i].milli)
            fail_msg("%s -> %lld, expected %lld", cases[i].text, (long long)m,
                     (long long)cases[i].milli);
        json_doc_free(&doc);
    }
}

/* Numbers json_number_milli cannot hold are refused, not wrapped. */
static void milli_out_of_range(void **state)
{
    (void)state;
    static const char *const texts[] = {"9223372036854775.808", "1e16",
                                        "1e30", "1e100000000",
                                        "-9223372036854775.809"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        json_doc doc;
        gs_err err;
        assert_int_equal(json_parse(&doc, texts[i], strlen(texts[i]), "t",
                                    &err),
                         GS_OK);
        int64_t m = 42;
        if (json_number_milli(doc.root, &m))
            fail_msg("%s -> %lld, expected a refusal", texts[i],
                     (long long)m);
        json_doc_free(&doc);
    }
}

static void expect_error(const char *text, const char *where)
{
    json_doc doc;
    gs_err err = {{0}};
    gs_status st = json_parse(&doc, text, strlen(text), "f.json", &err);
    assert_int_equal(st, GS_EPARSE);
    assert_null(doc.root);
    if (strncmp(err.msg, where, strlen(where)) != 0)
        fail_msg("'%s': message '%s' does not start with '%s'", text, err.msg,
                 where);
}

static void errors_have_positions(void **state)
{
    (void)state;
    expect_error("", "f.json:1:1: unexpected end");
    expect_error("{\"a\": 1,}", "f.json:1:9: expected a string key");
    expect_error("[1 2]", "f.json:1:4: expected ','");
    expect_error("{\"a\":1, \"a\":2}", "f.json:1:9: duplicate key");
    expect_error("\n\n  tru", "f.json:3:3: unexpected token 'tru'");
    expect_error("\"abc", "f.json:1:1: unterminated string");
    expect_error("\"a\\qb\"", "f.json:1:3: bad escape");
    expect_error("\"\\ud800\"", "f.json:1:2: unpaired surrogate");
    expect_error("01", "f.json:1:2: unexpected text after the end");
    expect_error("1.", "f.json:1:3: digit expected after the decimal point");
    expect_error("-", "f.json:1:1: invalid number");
    expect_error("\"\xff\"", "f.json:1:2: invalid UTF-8");
    expect_error("\"a\tb\"", "f.json:1:3: control character");
    expect_error("{} {}", "f.json:1:4: unexpected text");
    expect_error("// comment\n{}", "f.json:1:1: unexpected");
}

/* An object of 80,000 keys (it took 23 s when every key was compared with
 * every other): it parses, every key is kept in order, and a duplicate at
 * its end is found at its line and column. */
static void many_keys(void **state)
{
    (void)state;
    enum { N = 80000 };
    size_t cap = (size_t)N * 24 + 64, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text + len, cap - len, "{");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(text + len, cap - len, "%s\n\"k%d\": %d",
                                i ? "," : "", i, i);
    size_t body = len;
    len += (size_t)snprintf(text + len, cap - len, "}");
    json_doc doc;
    gs_err err = {{0}};
    assert_int_equal(json_parse(&doc, text, len, "t", &err), GS_OK);
    assert_int_equal(doc.root->u.obj.n, N);
    for (int i = 0; i < N; i += 997) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        const json_member *m = &doc.root->u.obj.members[i];
        assert_string_equal(m->key, key);
        assert_int_equal(m->line, (uint32_t)i + 2);
        assert_int_equal(m->value->u.num.i, i);
    }
    json_doc_free(&doc);
    /* the same key again on line N + 2, and once more after it: the first
     * repeat is named */
    len = body;
    len += (size_t)snprintf(text + len, cap - len,
                            ",\n  \"k12345\": 0,\n\"k7\": 1}");
    assert_int_equal(json_parse(&doc, text, len, "big.json", &err),
                     GS_EPARSE);
    char want[64];
    snprintf(want, sizeof want, "big.json:%d:3: duplicate key \"k12345\"",
             N + 2);
    assert_string_equal(err.msg, want);
    free(text);
    /* repeats in nested objects are each their own object's */
    expect_error("{\"a\": {\"x\": 1, \"y\": 2}, \"b\": {\"x\": 1, "
                 "\"x\": 3}}",
                 "f.json:1:39: duplicate key \"x\"");
    const char ok[] = "{\"a\": {\"x\": 1}, \"b\": {\"x\": 2}, \"x\": 3}";
    assert_int_equal(json_parse(&doc, ok, strlen(ok), "t", &err), GS_OK);
    json_doc_free(&doc);
}

static void depth_is_bounded(void **state)
{
    (void)state;
    char deep[1000];
    memset(deep, '[', sizeof deep - 1);
    deep[sizeof deep - 1] = '\0';
    expect_error(deep, "f.json:1:130: nesting deeper than 128 levels");
    /* 100 levels are fine */
    char ok[201];
    memset(ok, '[', 100);
    memset(ok + 100, ']', 100);
    ok[200] = '\0';
    json_doc doc;
    gs_err err;
    assert_int_equal(json_parse(&doc, ok, 200, "t", &err), GS_OK);
    json_doc_free(&doc);
}

static void big_integers(void **state)
{
    (void)state;
    const char *text = "[9223372036854775807, -9223372036854775808, "
                       "9223372036854775808]";
    json_doc doc;
    gs_err err;
    assert_int_equal(json_parse(&doc, text, strlen(text), "t", &err), GS_OK);
    assert_true(doc.root->u.arr.items[0]->u.num.is_int);
    assert_true(doc.root->u.arr.items[0]->u.num.i == INT64_MAX);
    assert_true(doc.root->u.arr.items[1]->u.num.is_int);
    assert_true(doc.root->u.arr.items[1]->u.num.i == INT64_MIN);
    assert_false(doc.root->u.arr.items[2]->u.num.is_int);
    json_doc_free(&doc);
}

static void writes_strings(void **state)
{
    (void)state;
    gs_buf b = {0};
    json_write_string(&b, "a\"b\\c\n\x01", 7);
    gs_buf_finish(&b);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
    /* and reads back */
    json_doc doc;
    gs_err err;
    assert_int_equal(json_parse(&doc, b.data, b.len, "t", &err), GS_OK);
    assert_memory_equal(doc.root->u.str.s, "a\"b\\c\n\x01", 7);
    json_doc_free(&doc);
    gs_buf_free(&b);
}

typedef struct parse_ctx {
    const char *text;
} parse_ctx;

static gs_status parse_op(void *p)
{
    parse_ctx *c = p;
    json_doc doc;
    gs_err err;
    gs_status st = json_parse(&doc, c->text, strlen(c->text), "t", &err);
    if (st == GS_OK)
        json_doc_free(&doc);
    return st;
}

static void out_of_memory_everywhere(void **state)
{
    (void)state;
    /* The counting allocator checks for leaks after every failed run by
     * itself; under valgrind the quadratic sweep only costs time. */
    if (getenv("GS_TEST_UNDER_VALGRIND"))
        skip();
    /* long enough to need several arena chunks and stack growth */
    static char text[60000];
    size_t n = 0;
    n += (size_t)snprintf(text + n, sizeof text - n, "{\"k\": [");
    for (int i = 0; i < 3000; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%s{\"a%d\": \"v\"}",
                              i ? "," : "", i);
    snprintf(text + n, sizeof text - n, "]}");
    parse_ctx c = {text};
    long allocs = test_each_allocation_fails(parse_op, &c);
    assert_true(allocs > 3);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_values),
        cmocka_unit_test(milli_conversion),
        cmocka_unit_test(milli_out_of_range),
        cmocka_unit_test(many_keys),
        cmocka_unit_test(errors_have_positions),
        cmocka_unit_test(depth_is_bounded),
        cmocka_unit_test(big_integers),
        cmocka_unit_test(writes_strings),
        cmocka_unit_test(out_of_memory_everywhere),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (test_alloc_stats_get().live_blocks != 0) {
        fprintf(stderr, "leaked %ld blocks\n",
                test_alloc_stats_get().live_blocks);
        return 1;
    }
    return rc;
}
