/*
 * Subcommands of the gpusched tool and the helpers they share.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_CLI_H
#define GS_CLI_H

#include <gpusched/gpusched.h>

#include <stdbool.h>
#include <stdio.h>

/* Exit codes */
#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

int cli_tour(int argc, char **argv);
int cli_topo(int argc, char **argv);

/* Load a topology source; prints the error and returns NULL on failure. */
gs_topo *cli_load_topo(const char *prog, const char *src, gs_format fmt);
/* Parse a --format value; returns -1 when unknown. */
int cli_parse_format(const char *s);
/* Print the matrix of one node and a cluster summary. */
int cli_print_topo(FILE *out, const gs_topo *t, uint32_t node, unsigned flags);
/* Print a human summary of the cluster (nodes, GPUs by model, switches). */
void cli_print_summary(FILE *out, const gs_topo *t);

#endif
