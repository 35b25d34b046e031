/*
 * gpusched: the command-line tool. The table below is the one list of its
 * commands: the dispatcher, `gpusched --help`, `gpusched help --commands`
 * and the tests that walk every command all read it. Each command's
 * options, help and examples live beside its code (tools/cli_*.c);
 * docs/cli.md is the manual.
 *
 * Exit status: 0 success, 1 failure, 2 bad arguments (3 and 4: see probe
 * and place).
 * SPDX-License-Identifier: Apache-2.0
 */
#include <gpusched/gpusched.h>

#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run_help(cli_args *a);

/* gpusched podsim (tools/cli_podsim.c) */
extern const cli_command cli_cmd_podsim;
extern const cli_command cli_cmd_compare;

enum { HELP_WORD1, HELP_WORD2, HELP_COMMANDS };
static const cli_option help_options[] = {
    {HELP_COMMANDS, "--commands", NULL, NULL, "off",
     "list every command and subcommand, one a line", 0},
    {.name = NULL}};
static const int help_positional[] = {HELP_WORD1, HELP_WORD2, -1};

static const cli_command cli_cmd_help = {
    .path = "help",
    .synopsis = "[COMMAND [SUBCOMMAND]] [--commands]",
    .summary = "show the help of a command (as COMMAND --help does)",
    .description =
        "Show the help of a command or subcommand, the same text as "
        "'gpusched COMMAND --help' prints; without a command, the list of "
        "commands.",
    .options = help_options,
    .positional = help_positional,
    .exit_status = "0 the help was shown, 2 no such command.",
    .examples = "gpusched help\n"
                "gpusched help topo show\n"
                "gpusched help --commands",
    .run = run_help,
};

const cli_command *const cli_commands[] = {
    &cli_cmd_tour,          &cli_cmd_probe,          &cli_cmd_topo,
    &cli_cmd_topo_show,     &cli_cmd_topo_convert,   &cli_cmd_topo_templates,
    &cli_cmd_place,         &cli_cmd_share,          &cli_cmd_sim,
    &cli_cmd_compare,       &cli_cmd_podsim,        &cli_cmd_state,          &cli_cmd_state_show,
    &cli_cmd_help,
};
const size_t cli_command_count = sizeof cli_commands / sizeof cli_commands[0];

static void usage(FILE *f)
{
    fprintf(f, "usage: gpusched COMMAND [options]\n"
               "       gpusched COMMAND --help    (or gpusched help COMMAND)\n"
               "\n"
               "gpusched looks at GPU machines and clusters and decides which "
               "GPUs jobs get.\n"
               "\n"
               "Commands:\n");
    for (size_t i = 0; i < cli_command_count; i++) {
        const cli_command *c = cli_commands[i];
        if (!c->run)
            continue; /* a group: its subcommands are listed */
        int col = fprintf(f, "  %s", c->path);
        fprintf(f, "%*s%s\n", col < 20 ? 20 - col : 2, "", c->summary);
    }
    fprintf(f,
            "\n"
            "Options:\n"
            "  -h, --help        show this help and exit\n"
            "  -V, --version     show the version and exit\n"
            "\n"
            "A topology (--topo SRC) is a built-in template (gpusched topo "
            "templates), 'hwloc'\n"
            "for this machine as hwloc sees it, a file (gpusched JSON, "
            "nvidia-smi topo -m\n"
            "text, hwloc XML, Slurm topology.conf or gres.conf, detected "
            "from its content),\n"
            "or - for standard input. Every command takes --help; results "
            "come as text, or\n"
            "as one JSON document with --json, to standard output or --out "
            "FILE.\n"
            "\n"
            "Exit status: 0 success, 1 failure, 2 bad arguments; probe and "
            "place say more.\n"
            "\n"
            "Examples:\n"
            "  gpusched tour\n"
            "  gpusched topo show dgx-h100\n"
            "  gpusched place --topo dgx1-v100 --free 0,2,4,5 --gpus 2\n");
}

/* The command whose path is words[0] (words[0] words[1]), or NULL; *used
 * receives how many words its path has. */
static const cli_command *find_command(int nwords, const char *const *words,
                                       int *used)
{
    const cli_command *best = NULL;
    for (size_t i = 0; i < cli_command_count; i++) {
        const char *p = cli_commands[i]->path;
        size_t l0 = strlen(words[0]);
        if (strncmp(p, words[0], l0) != 0)
            continue;
        if (!p[l0] && !best) {
            best = cli_commands[i];
            *used = 1;
        } else if (p[l0] == ' ' && nwords > 1 &&
                   !strcmp(p + l0 + 1, words[1])) {
            *used = 2;
            return cli_commands[i];
        }
    }
    return best;
}

static int run_help(cli_args *a)
{
    if (cli_given(a, HELP_COMMANDS)) {
        if (cli_given(a, HELP_WORD1))
            return cli_usage_error(a, "--commands takes no command");
        for (size_t i = 0; i < cli_command_count; i++)
            printf("%s\n", cli_commands[i]->path);
        return CLI_OK;
    }
    if (!cli_given(a, HELP_WORD1)) {
        usage(stdout);
        return CLI_OK;
    }
    const char *words[2] = {a->val[HELP_WORD1], a->val[HELP_WORD2]};
    int n = words[1] ? 2 : 1, used = 0;
    const cli_command *c = find_command(n, words, &used);
    if (!c || used != n)
        return cli_usage_error(a, "no command '%s%s%s'", words[0],
                               words[1] ? " " : "", words[1] ? words[1] : "");
    cli_print_help(stdout, c);
    return CLI_OK;
}

/* A group (topo): a subcommand must follow. */
static int group(const cli_command *c, int argc, char **argv)
{
    cli_args a;
    memset(&a, 0, sizeof a);
    if (argc > 1 && argv[1][0] != '-') {
        snprintf(a.prog, sizeof a.prog, "gpusched %s", c->path);
        return cli_usage_error(&a, "unknown subcommand '%s'", argv[1]);
    }
    int rc = cli_parse(c, argc, argv, &a);
    if (rc == CLI_HELP)
        return CLI_OK;
    if (rc != CLI_OK)
        return rc;
    size_t plen = strlen(c->path);
    char names[256] = "";
    for (size_t i = 0; i < cli_command_count; i++) {
        const char *p = cli_commands[i]->path;
        if (!strncmp(p, c->path, plen) && p[plen] == ' ' &&
            strlen(names) + strlen(p) < sizeof names)
            snprintf(names + strlen(names), sizeof names - strlen(names),
                     "%s%s", names[0] ? ", " : "", p + plen + 1);
    }
    return cli_usage_error(&a, "a subcommand is needed: %s", names);
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *word = argv[1];
    if (!strcmp(word, "-h") || !strcmp(word, "--help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(word, "-V") || !strcmp(word, "--version")) {
        printf("gpusched %s (library %s)\n", GS_VERSION_STRING,
               gs_version_string());
        return CLI_OK;
    }
    int used = 0;
    const cli_command *c =
        word[0] == '-' ? NULL
                       : find_command(argc - 1,
                                      (const char *const *)(argv + 1), &used);
    if (!c) {
        fprintf(stderr, "gpusched: unknown %s '%s'\ntry 'gpusched --help'\n",
                word[0] == '-' ? "option" : "command", word);
        return CLI_USAGE;
    }
    int sub_argc = argc - used;
    char **sub_argv = argv + used;
    if (!c->run)
        return group(c, sub_argc, sub_argv);
    cli_args a;
    int rc = cli_parse(c, sub_argc, sub_argv, &a);
    if (rc == CLI_HELP)
        return CLI_OK;
    if (rc != CLI_OK)
        return rc;
    rc = c->run(&a);
    return cli_close_output(&a, rc);
}

int main(int argc, char **argv)
{
    int rc = dispatch(argc, argv);
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "gpusched: standard output: write error%s%s\n",
                errno ? ": " : "", errno ? strerror(errno) : "");
        rc = CLI_FAIL;
    }
    return rc;
}
