/*
 * Constraints on node features (Slurm's `--constraint`), compiled into an
 * OR of ANDs: a node matches when its features hold every feature of at
 * least one term.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_TOPO_CONSTRAINT_H
#define GS_TOPO_CONSTRAINT_H

#include "topo/topo_impl.h"

/* Longest constraint text, bytes. */
#define GS_CONSTRAINT_MAX_TEXT 4096u
/* Most terms of a compiled constraint, and of any parenthesized part. */
#define GS_CONSTRAINT_MAX_TERMS 256u
/* Deepest nesting of parentheses. */
#define GS_CONSTRAINT_MAX_DEPTH 64u

/* A compiled constraint: terms[] are feature masks (bit i = feature i of
 * the topology it was compiled against), each with at least one bit, in
 * ascending order, none a superset of another. Equivalent expressions
 * compile to the same terms. One gs_malloc'd block. */
typedef struct gs_constraint {
    uint32_t n_terms; /* 1 to GS_CONSTRAINT_MAX_TERMS */
    uint64_t terms[];
} gs_constraint;

/* Compile text against the features of a frozen topology. NULL, "" or
 * only white space gives *out = NULL (no constraint) and GS_OK. Errors,
 * with the message in err: GS_EINVAL (syntax, naming the 1-based column),
 * GS_ENOTFOUND (a name that is not a feature of t, listing those that
 * are), GS_ERANGE (longer than GS_CONSTRAINT_MAX_TEXT, nested deeper than
 * GS_CONSTRAINT_MAX_DEPTH, more than GS_CONSTRAINT_MAX_TERMS terms, or too
 * much work), GS_ENOTFROZEN, GS_ENOMEM. Never reads past the text's NUL,
 * never recurses. */
gs_status gs_constraint_compile(const gs_topo *t, const char *text,
                                gs_constraint **out, gs_err *err);

/* Whether a node with these features matches; a NULL constraint matches
 * every node. */
static inline bool gs_constraint_match(const gs_constraint *c,
                                       uint64_t features)
{
    if (!c)
        return true;
    for (uint32_t i = 0; i < c->n_terms; i++)
        if ((c->terms[i] & ~features) == 0)
            return true;
    return false;
}

/* Accepts NULL. */
void gs_constraint_free(gs_constraint *c);

/* Append the canonical text of c to b: terms joined by "|", a term's
 * features by "&" in index order ("" for NULL). Compiling it again gives
 * the same terms. */
void gs_constraint_format(const gs_topo *t, const gs_constraint *c,
                          gs_buf *b);

#endif
