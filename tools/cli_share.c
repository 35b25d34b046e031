/*
 * gpusched share: the fair-share tree, like Slurm's `sshare -l`.
 *
 *   gpusched share --accounts FILE [--usage FILE]
 *                  [--fairshare classic|fair-tree] [--json] [--out FILE]
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void print_num(FILE *f, double v, int width, int prec)
{
    if (isnan(v)) /* not defined: Fairshare=parent */
        fprintf(f, " %*s", width, "");
    else if (isinf(v))
        fprintf(f, " %*s", width, "inf");
    else
        fprintf(f, " %*.*f", width, prec, v);
}

static void json_num(FILE *f, const char *key, double v)
{
    fprintf(f, "\"%s\": ", key);
    cli_json_number(f, v);
    fputs(", ", f);
}

static void print_row_json(FILE *f, const gs_share_row *r, bool last)
{
    fputs("  {\"account\": ", f);
    cli_json_string(f, r->account);
    fputs(", \"user\": ", f);
    if (r->user)
        cli_json_string(f, r->user);
    else
        fputs("null", f);
    fprintf(f, ", \"depth\": %u, ", r->depth);
    if (isnan(r->raw_shares)) /* Fairshare=parent */
        fputs("\"raw_shares\": \"parent\", ", f);
    else
        json_num(f, "raw_shares", r->raw_shares);
    json_num(f, "norm_shares", r->norm_shares);
    json_num(f, "level_shares", r->level_shares);
    json_num(f, "raw_usage", r->raw_usage);
    json_num(f, "norm_usage", r->norm_usage);
    json_num(f, "effective_usage", r->effective_usage);
    json_num(f, "fairshare", r->factor);
    json_num(f, "level_fs", r->level_fs);
    fprintf(f, "\"rank\": %u}%s\n", r->rank, last ? "" : ",");
}

static void print_row_text(FILE *f, const gs_share_row *r,
                           gs_fairshare_algo algo)
{
    /* the account indented by its depth (at most 23 columns of it: a
     * tree may be thousands deep), never cut */
    int indent = r->depth < 23 ? (int)r->depth : 23;
    fprintf(f, "%*s%-*s %-12s", indent, "", 24 - indent, r->account,
            r->user ? r->user : "");
    if (isnan(r->raw_shares))
        fprintf(f, " %9s", "parent");
    else
        print_num(f, r->raw_shares, 9, 0);
    /* NormShares as sshare shows it: the fraction of the machine
     * (classic), the fraction among siblings (Fair Tree) */
    print_num(f,
              algo == GS_FAIRSHARE_FAIR_TREE ? r->level_shares : r->norm_shares,
              11, 6);
    print_num(f, r->raw_usage, 12, 4);
    print_num(f, r->norm_usage, 10, 6);
    print_num(f, r->effective_usage, 12, 6);
    print_num(f, r->factor, 10, 6);
    print_num(f, r->level_fs, 10, 4);
    if (r->user && r->rank)
        fprintf(f, " %5u\n", r->rank);
    else
        fprintf(f, " %5s\n", "");
}

enum { SHARE_ACCOUNTS, SHARE_USAGE, SHARE_ALGO };
static const cli_option share_options[] = {
    {SHARE_ACCOUNTS, "--accounts", NULL, "FILE", NULL,
     "the account tree (JSON, docs/formats.md; a scheduler configuration "
     "file works too), or - for standard input",
     CLI_REQUIRED | CLI_INPUT},
    {SHARE_USAGE, "--usage", NULL, "FILE", "no usage",
     "usage per association, CSV user,account,usage; - for standard input",
     CLI_INPUT},
    {SHARE_ALGO, "--fairshare", "--algo", "ALGO", "fair-tree",
     "the fair-share algorithm: fair-tree or classic (Slurm's two)", 0},
    CLI_OPTION_JSON("write one JSON document: {\"algorithm\", \"rows\": "
                    "[{\"account\", \"user\", \"depth\", \"raw_shares\", "
                    "...}]}"),
    CLI_OPTION_OUT,
    {.name = NULL}};

static int share(cli_args *a)
{
    const char *acc = a->val[SHARE_ACCOUNTS], *use = a->val[SHARE_USAGE];
    const char *algo =
        cli_given(a, SHARE_ALGO) ? a->val[SHARE_ALGO] : "fair-tree";
    gs_fairshare_algo alg;
    if (!strcmp(algo, "fair-tree"))
        alg = GS_FAIRSHARE_FAIR_TREE;
    else if (!strcmp(algo, "classic"))
        alg = GS_FAIRSHARE_CLASSIC;
    else
        return cli_usage_error(a, "unknown --fairshare '%s' (fair-tree, "
                                  "classic)",
                               algo);
    if (cli_open_output(a) != CLI_OK)
        return CLI_FAIL;
    size_t la = 0, lu = 0;
    char *ta = cli_read_input(a, acc, &la), *tu = NULL;
    if (!ta)
        return CLI_FAIL;
    if (use && !(tu = cli_read_input(a, use, &lu))) {
        free(ta);
        return CLI_FAIL;
    }
    gs_share *s = NULL;
    int rc = CLI_OK;
    if (gs_share_create(&s) != GS_OK ||
        gs_share_load_accounts(s, ta, la, strcmp(acc, "-") ? acc : "<stdin>") !=
            GS_OK ||
        (tu && gs_share_load_usage(s, tu, lu,
                                   strcmp(use, "-") ? use : "<stdin>") !=
                   GS_OK) ||
        gs_share_compute(s, alg, 0) != GS_OK) {
        rc = cli_fail(a, "%s", s ? gs_share_errmsg(s) : "out of memory");
        goto out;
    }
    FILE *f = a->out;
    bool json = cli_given(a, CLI_O_JSON);
    if (json) {
        fputs("{\"algorithm\": ", f);
        cli_json_string(f, algo);
        fputs(", \"rows\": [\n", f);
    } else {
        fprintf(f, "%-24s %-12s %9s %11s %12s %10s %12s %10s %10s %5s\n",
                "Account", "User", "RawShares", "NormShares", "RawUsage",
                "NormUsage", "EffectvUsage", "FairShare", "LevelFS", "Rank");
    }
    size_t nrows = gs_share_row_count(s);
    for (size_t i = 0; i < nrows; i++) {
        gs_share_row r;
        r.struct_size = sizeof r;
        gs_share_row_get(s, i, &r);
        if (json)
            print_row_json(f, &r, i + 1 == nrows);
        else
            print_row_text(f, &r, alg);
    }
    if (json)
        fputs("]}\n", f);
out:
    gs_share_destroy(s);
    free(ta);
    free(tu);
    return rc;
}

const cli_command cli_cmd_share = {
    .path = "share",
    .synopsis = "--accounts FILE [--usage FILE] [options]",
    .summary = "the fair-share tree, like Slurm's sshare -l",
    .description =
        "Compute the fair-share factors of an account tree with its usage, "
        "and print them the way Slurm's sshare -l does: shares, usage, "
        "effective usage, the fair-share factor and, under Fair Tree, each "
        "association's level fair share and rank.",
    .options = share_options,
    .groups = CLI_GROUP_INPUT,
    .exit_status = "0 printed, 1 a file cannot be read or is wrong (the "
                   "message has file:line:column), 2 bad arguments.",
    .examples = "gpusched share --accounts accounts.json --usage usage.csv\n"
                "gpusched share --accounts acc.json --usage - --json "
                "< usage.csv\n"
                "gpusched share --accounts acc.json --fairshare classic",
    .run = share,
};
