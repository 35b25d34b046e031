/*
 * A small JSON reader that keeps the line and column of every value, so that
 * errors found after parsing ("gpus" must be ...) can still say where, and a
 * writer's string escaping. Everything is allocated in one arena.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_JSON_H
#define GS_JSON_H

#include "common/util.h"

typedef enum json_type {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_type;

typedef struct json_value json_value;

typedef struct json_member {
    const char *key; /* NUL-terminated (may contain NUL if escaped) */
    size_t key_len;
    uint32_t line, col;
    json_value *value;
} json_member;

struct json_value {
    json_type type;
    uint32_t line, col; /* 1-based, columns count bytes */
    union {
        struct {
            const char *text; /* the literal as written, not terminated */
            size_t len;
            bool is_int; /* integral literal that fits in int64 */
            int64_t i;
        } num;
        struct {
            const char *s; /* NUL-terminated, decoded UTF-8 */
            size_t len;
        } str;
        struct {
            json_value **items;
            size_t n;
        } arr;
        struct {
            json_member *members;
            size_t n;
        } obj;
    } u;
};

typedef struct json_doc {
    gs_arena arena;
    json_value *root;
} json_doc;

/* Parse text. On failure returns GS_EPARSE or GS_ENOMEM with a message
 * "name:line:col: what" and leaves doc empty. Nesting deeper than 128 is
 * rejected. Duplicate object keys are rejected. */
gs_status json_parse(json_doc *doc, const char *text, size_t len,
                     const char *name, gs_err *err);
void json_doc_free(json_doc *doc);

const char *json_type_name(json_type t);
/* Member of an object by key, or NULL. */
const json_member *json_member_get(const json_value *obj, const char *key);
/* Number as double (any number). */
double json_number_double(const json_value *v);
/* Number scaled by 1000 and rounded to the nearest integer; false if it is
 * negative, not finite or too large for int64. */
bool json_number_milli(const json_value *v, int64_t *out);

/* Append s as a JSON string literal (quotes included). */
void json_write_string(gs_buf *b, const char *s, size_t len);

#endif
