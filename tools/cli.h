/*
 * Subcommands of the gpusched tool and the helpers they share: one option
 * parser and help printer driven by each command's table (cli_args.c), the
 * inputs and outputs every command reads and writes the same way, numbers
 * checked where they enter.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_CLI_H
#define GS_CLI_H

#include <gpusched/gpusched.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes */
#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2
/* cli_parse(): -h or --help was given and the help printed */
#define CLI_HELP (-1)

/* Option ids. A command's own options use 0 .. CLI_O_FIRST_SHARED - 1;
 * the options several commands share have fixed ids so that the shared
 * helpers (cli_load_topo, cli_open_output...) find their values. */
enum {
    CLI_O_FIRST_SHARED = 32,
    CLI_O_TOPO = CLI_O_FIRST_SHARED, /* --topo SRC */
    CLI_O_OUT,                       /* --out FILE */
    CLI_O_JSON,                      /* --json */
    CLI_O_FORMAT,                    /* --format F */
    CLI_O_NODE_TEMPLATE,             /* --node-template T (repeats) */
    CLI_O_HOSTNAME,                  /* --hostname NAME */
    CLI_O_QUIET,                     /* --quiet */
    CLI_O_MAX_INPUT,                 /* --max-input BYTES */
    CLI_O_PATTERN,                   /* --pattern P */
    CLI_O_NUMA,                      /* --numa MODE */
    CLI_O_DEMAND,                    /* --demand LIST */
    CLI_O_NO_LOOKAHEAD,              /* --no-lookahead */
    CLI_O_COUNT
};

/* cli_option::flags */
#define CLI_REQUIRED 0x1u /* the command cannot run without it */
#define CLI_REPEAT 0x2u   /* may be given several times */
#define CLI_INPUT 0x4u    /* names an input: a file, or - for standard input */

/* One option as the parser accepts it and the help shows it. */
typedef struct cli_option {
    int id;              /* index into cli_args::val */
    const char *name;    /* the canonical spelling: "--placement" */
    const char *aliases; /* older spellings still accepted, separated by
                            spaces ("--policy"), or NULL */
    const char *metavar; /* the value's name ("NAME"); NULL for a flag */
    const char *def;     /* the default as the help shows it; NULL when
                            required */
    const char *help;    /* what it does (the help printer wraps it) */
    unsigned flags;      /* CLI_REQUIRED, CLI_REPEAT */
} cli_option;

typedef struct cli_args cli_args;

/* cli_command::groups: option tables a command takes besides its own */
#define CLI_GROUP_TOPO 0x1u  /* --format --node-template --hostname --quiet */
#define CLI_GROUP_INPUT 0x2u /* --max-input */

/* A command or subcommand: what the help shows and what runs. */
typedef struct cli_command {
    const char *path;        /* "topo show" */
    const char *synopsis;    /* after "gpusched PATH ": "--topo SRC [options]" */
    const char *summary;     /* one line for the command list */
    const char *description; /* paragraphs separated by blank lines */
    const cli_option *options; /* its own options, ended by { .name = NULL } */
    unsigned groups;         /* CLI_GROUP_* */
    const int *positional;   /* ids that bare arguments fill in turn, ended
                                by -1; NULL: none taken */
    const char *exit_status; /* what its exit codes mean */
    const char *examples;    /* command lines, one a line */
    int (*run)(cli_args *a); /* NULL for a group of subcommands */
} cli_command;

/* Table entries that several commands share, spelled once. */
#define CLI_OPTION_TOPO(def, flags)                                         \
    {CLI_O_TOPO, "--topo", NULL, "SRC", def,                                \
     "the topology: a built-in template (gpusched topo templates), 'hwloc' " \
     "for this machine, a file, or - for standard input",                  \
     (flags) | CLI_INPUT}
#define CLI_OPTION_OUT                                                      \
    {CLI_O_OUT, "--out", NULL, "FILE", "-",                                 \
     "write the results to FILE (created or replaced); - is standard "      \
     "output", 0}
#define CLI_OPTION_JSON(what) {CLI_O_JSON, "--json", NULL, NULL, "off", what, 0}
#define CLI_OPTION_PLACEMENT(id)                                            \
    {id, "--placement", "--policy", "NAME", "nvlink-pack",                  \
     "the placement policy: first-fit, best-fit, spread, nvlink-pack, "  \
     "frag-aware or fgd", 0}

/* How nvlink-pack weighs a choice: place and sim (cli_parse_tuning). */
#define CLI_OPTION_PATTERN(def, help)                                       \
    {CLI_O_PATTERN, "--pattern", NULL, "P", def, help, 0}
#define CLI_OPTIONS_TUNING                                                  \
    {CLI_O_NUMA, "--numa", NULL, "MODE", "prefer",                          \
     "how nvlink-pack weighs the job's NUMA domains against the GPUs its "  \
     "choice leaves: prefer (the remainder first), strict (fewer NUMA "     \
     "domains first) or ignore",                                            \
     0},                                                                    \
    {CLI_O_DEMAND, "--demand", NULL, "LIST",                                \
     "learned from the jobs submitted",                                     \
     "the jobs to come that nvlink-pack keeps GPUs free for: "              \
     "SIZE:PATTERN[:WEIGHT] entries separated by commas, like "            \
     "2:ring,4:any:0.5 (sizes 1 to 64, weights above 0 up to 1e6, default " \
     "1; at most 8 entries); it turns the look-ahead on",                  \
     0},                                                                    \
    {CLI_O_NO_LOOKAHEAD, "--no-lookahead", NULL, NULL, "off",               \
     "do not judge a choice by what it leaves for the demand: ties among "  \
     "the job's best sets go to fewer NUMA domains, then to the sets that " \
     "break the fewest intact NVLink groups, as before look-ahead (it is "  \
     "off by default, on with --demand)",                                   \
     0}

#define CLI_MAX_REPEAT 64

/* What the parser found, and the state the shared helpers keep. */
struct cli_args {
    const cli_command *cmd;
    char prog[64];                /* "gpusched topo show" */
    const char *val[CLI_O_COUNT]; /* each option's value ("" for a flag
                                     that was given), NULL if absent */
    const char *repeat[CLI_MAX_REPEAT]; /* values of CLI_REPEAT options */
    int repeat_id[CLI_MAX_REPEAT];
    size_t nrepeat;
    uint64_t max_input;           /* --max-input, or GS_MAX_INPUT_DEFAULT */
    const char *stdin_for;        /* the option that reads standard input */
    FILE *out;                    /* where results go: memory, written
                                     out by cli_close_output() */
    char *out_mem;                /* what out holds */
    size_t out_len;
    uint64_t out_drained;         /* written out before (cli_drain_output) */
    int out_fd;                   /* the output, opened by
                                     cli_open_output() */
    const char *out_path;         /* its name for messages */
    bool out_created;             /* the file did not exist before */
};

/* The commands, in the order the help lists them (gpusched.c). */
extern const cli_command *const cli_commands[];
extern const size_t cli_command_count;

extern const cli_command cli_cmd_tour, cli_cmd_probe, cli_cmd_topo,
    cli_cmd_topo_show, cli_cmd_topo_convert, cli_cmd_topo_templates,
    cli_cmd_place, cli_cmd_share, cli_cmd_sim, cli_cmd_state,
    cli_cmd_state_show;

/* Parse argv (argv[0] is the last word of the command's path) against the
 * command's tables. Returns CLI_OK, CLI_HELP (the help went to stdout) or
 * CLI_USAGE (after a one-line error and "try 'gpusched CMD --help'"). */
int cli_parse(const cli_command *cmd, int argc, char **argv, cli_args *a);
/* Print a command's help (usage, options with defaults, examples). */
void cli_print_help(FILE *f, const cli_command *cmd);
/* Report a bad argument: "PROG: MESSAGE" and the try line; returns
 * CLI_USAGE. */
/* Split a CSV line in place (cli_args.c). */
int cli_csv_split(char *line, char **f, size_t *col, int max, size_t *bad);
int cli_usage_error(const cli_args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Report a failure: "PROG: MESSAGE"; returns CLI_FAIL. */
int cli_fail(const cli_args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A registered placement policy, or exit 2 naming them all. */
int cli_check_placement(const cli_args *a, const char *name);
/* Was this option given? */
bool cli_given(const cli_args *a, int id);

/* ---- numbers: strict, range-checked ------------------------------------ */

/* Parse a whole number in [min, max] (decimal digits, no sign, no blanks):
 * 0, or -1 when it is not one or out of range. */
int cli_parse_u64(const char *s, uint64_t max, uint64_t *out);
/* Parse a size in bytes: digits with an optional K, M, G or T suffix
 * (powers of 1024, "KiB" and "k" too), 1 to 2^62. */
int cli_parse_bytes(const char *s, uint64_t *out);
/* Parse a finite decimal number ("0.25", "1e-3", "2"): digits first, no
 * sign, no blanks, no hexadecimal, nan or inf, no overflow or underflow:
 * 0, or -1. */
int cli_parse_double(const char *s, double *out);
/* Parse GPU indices "0,2,4-5" below n into a 0/1 array (digits only);
 * reports a usage error naming what ("--free") and returns CLI_USAGE. */
int cli_parse_gpu_list(const cli_args *a, const char *what, const char *s,
                       uint32_t n, unsigned char *in);

/* ---- communication patterns and placement tuning ------------------------ */

/* The pattern names for messages: "any, ring, all-to-all, chain or none". */
const char *cli_pattern_names(void);
/* The --pattern option's value (GS_PATTERN_ANY when absent), or a usage
 * error naming the allowed values (CLI_USAGE). */
int cli_parse_pattern_option(const cli_args *a, gs_comm_pattern *out);

/* What --numa, --demand and --no-lookahead ask for. */
typedef struct cli_tuning {
    bool numa_given;
    gs_numa_mode numa;
    size_t n_demand;
    gs_demand_entry demand[GS_MAX_DEMAND];
    bool no_lookahead;
} cli_tuning;
/* Check those options (before any work): CLI_OK or CLI_USAGE. */
int cli_parse_tuning(const cli_args *a, cli_tuning *t);
/* Apply them to a scheduler: CLI_OK, CLI_USAGE when the scheduler refuses
 * the demand (its message names the entry), CLI_FAIL. */
int cli_apply_tuning(const cli_args *a, gs_sched *s, const cli_tuning *t);

/* ---- inputs and outputs ------------------------------------------------ */

/* Read a whole input named by an option (PATH, or - for standard input,
 * which only one option may use) up to the --max-input limit. Returns a
 * NUL-terminated buffer (free it) or NULL after printing why. */
char *cli_read_input(cli_args *a, const char *path, size_t *len);
/* The input named name is over --max-input: CLI_FAIL after the message
 * (for readers of their own, which read a line at a time). */
int cli_input_too_big(cli_args *a, const char *name);
/* Open --out (default -: standard output) before the work starts, so
 * that a path that cannot be written fails at once. The results collect
 * in memory (a->out) and replace the file's content when it is closed,
 * which is why an input may be the output too. */
int cli_open_output(cli_args *a);
/* Write the results out and close the output, reporting a write error
 * with its reason (exit 1); rc is the command's exit code, returned unless
 * writing failed. Does nothing the second time. */
int cli_close_output(cli_args *a, int rc);
/* Write out what the output holds so far and go on from empty: for output
 * too large to hold until the end (gpusched sim's rows); a failure after
 * it leaves the part written (a file it created is removed). CLI_OK, or
 * CLI_FAIL after the message (the output is closed: cli_close_output()
 * then does nothing). */
int cli_drain_output(cli_args *a);
/* Open a file to write without emptying it (a command that fails leaves
 * it as it was): the fd, or -1 with errno (EISDIR for a directory);
 * *created says whether it did not exist. */
int cli_open_file(const char *path, bool *created);
/* Write all of buf to fd (through EINTR and short writes): 0 or an
 * errno value. */
int cli_write_all(int fd, const char *buf, size_t len);
/* Seconds of a monotonic clock, for elapsed times and progress lines. */
double cli_now_seconds(void);
/* The most worker processes cli_run_workers starts. */
#define CLI_MAX_WORKERS 256u
/* Fork n worker processes (at most CLI_MAX_WORKERS; stdout and stderr are
 * flushed first), each running work(arg) and exiting with what it
 * returns; wait for them all, calling tick(arg) every 0.2 s while they
 * run when tick is not NULL (then the line it draws is erased at the
 * end). A worker that cannot be started, dies of a signal or exits other
 * than 0 sets *stop when stop is not NULL (so that the others take no
 * new work); the first two are said in a message. Returns -1 when a
 * worker could not be started, else the number that failed. */
int cli_run_workers(cli_args *a, unsigned n, int (*work)(void *arg),
                    void (*tick)(void *arg), void *arg, int *stop);
/* Write a JSON string (quoted and escaped). */
void cli_json_string(FILE *f, const char *s);
/* Write a number for JSON: null when NaN or infinite. */
void cli_json_number(FILE *f, double v);
/* Write a bandwidth for people: whole numbers in full (2300400, not
 * 2.3004e+06), others to 10 significant digits. */
void cli_print_gbs(FILE *f, double v);

/* ---- topologies --------------------------------------------------------- */

/* Load the topology the --topo option (or its positional form) names,
 * with the topology options; prints warnings and the error, and returns
 * NULL on failure. */
gs_topo *cli_load_topo(cli_args *a, const char *src);
/* Print the matrix of one node and a cluster summary. */
int cli_print_topo(FILE *out, const gs_topo *t, uint32_t node, unsigned flags);
/* Print a human summary of the cluster (nodes, GPUs by model, switches);
 * CLI_FAIL when out of memory. */
int cli_print_summary(FILE *out, const gs_topo *t);

/* ---- probe (tools/cli_probe.c) ----------------------------------------- */

/* Exit codes of the probe: no GPU found (no driver, no device) / the
 * driver failed or is too old. */
#define CLI_PROBE_NO_GPU 3
#define CLI_PROBE_DRIVER 4
/* The exit code for a probe's status. */
int cli_exit_for_probe(gs_status st);
/* What the probe found: each source's outcome, CUDA_VISIBLE_DEVICES. */
void cli_print_probe_summary(FILE *out, const gs_probe_report *r);
/* The probed node's GPUs, one line each (with their sources if asked). */
void cli_print_probe_gpus(FILE *out, const gs_topo *t,
                          const gs_probe_report *r, bool sources);
/* What to try when the probe found no GPU, as command lines (--partial
 * too unless it was given). */
void cli_print_probe_next_steps(FILE *out, const char *indent, bool partial);

#endif
