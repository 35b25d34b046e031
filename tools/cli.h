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
int cli_place(int argc, char **argv);
int cli_share(int argc, char **argv);
int cli_sim(int argc, char **argv);
/* Read a whole file; prints why and returns NULL on failure. */
char *cli_read_file(const char *prog, const char *path, size_t *len);

/* Options every command that reads a topology accepts. */
typedef struct cli_topo_args {
    gs_format format;           /* --format NAME */
    const char *node_templates; /* --node-template T (Slurm topology.conf) */
    const char *hostname;       /* --hostname NAME (single-machine formats) */
    int quiet;                  /* --quiet: no warnings */
    char templates_buf[4096];   /* several --node-template joined by ';' */
} cli_topo_args;

void cli_topo_args_init(cli_topo_args *a);
/* If argv[*i] is one of the options above, consume it (and its value) and
 * return 1; return -1 (after printing why) for a bad value, 0 otherwise. */
int cli_topo_option(const char *prog, int argc, char **argv, int *i,
                    cli_topo_args *a);
/* Usage text for those options. */
extern const char cli_topo_options_help[];

/* Load a topology source; prints warnings and the error, and returns NULL
 * on failure. */
gs_topo *cli_load_topo(const char *prog, const char *src,
                       const cli_topo_args *a);
/* Print the matrix of one node and a cluster summary. */
int cli_print_topo(FILE *out, const gs_topo *t, uint32_t node, unsigned flags);
/* Print a human summary of the cluster (nodes, GPUs by model, switches). */
void cli_print_summary(FILE *out, const gs_topo *t);

/* gpusched probe (issue 6, tools/cli_probe.c). Exit codes of the probe:
 * no GPU found (no driver, no device) / the driver failed or is too old. */
#define CLI_PROBE_NO_GPU 3
#define CLI_PROBE_DRIVER 4
int cli_probe(int argc, char **argv);
/* The exit code for a probe's status. */
int cli_exit_for_probe(gs_status st);
/* What the probe found: each source's outcome, CUDA_VISIBLE_DEVICES. */
void cli_print_probe_summary(FILE *out, const gs_probe_report *r);
/* The probed node's GPUs, one line each (with their sources if asked). */
void cli_print_probe_gpus(FILE *out, const gs_topo *t,
                          const gs_probe_report *r, bool sources);

#endif
