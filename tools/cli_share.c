/*
 * gpusched share: the fair-share tree, like Slurm's `sshare -l`.
 *
 *   gpusched share --accounts FILE --usage FILE [--algo classic|fair-tree]
 *                  [--json]
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (buf)
        *len = n;
    return buf;
}

char *cli_read_file(const char *prog, const char *path, size_t *len)
{
    char *text = slurp(path, len);
    if (!text)
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
    return text;
}

static void print_num(double v, int width, int prec)
{
    if (isnan(v)) /* not defined: Fairshare=parent */
        printf(" %*s", width, "");
    else if (isinf(v))
        printf(" %*s", width, "inf");
    else
        printf(" %*.*f", width, prec, v);
}

static void json_num(const char *key, double v, bool comma)
{
    if (isnan(v) || isinf(v))
        printf("\"%s\": null%s", key, comma ? ", " : "");
    else
        printf("\"%s\": %.9g%s", key, v, comma ? ", " : "");
}

int cli_share(int argc, char **argv)
{
    const char *prog = "gpusched share";
    const char *acc = NULL, *use = NULL, *algo = "fair-tree";
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--accounts") && i + 1 < argc)
            acc = argv[++i];
        else if (!strcmp(argv[i], "--usage") && i + 1 < argc)
            use = argv[++i];
        else if (!strcmp(argv[i], "--algo") && i + 1 < argc)
            algo = argv[++i];
        else if (!strcmp(argv[i], "--json"))
            json = true;
        else {
            fprintf(stderr, "%s: unknown argument '%s'\n", prog, argv[i]);
            goto usage;
        }
    }
    if (!acc || !use)
        goto usage;
    gs_fairshare_algo a;
    if (!strcmp(algo, "fair-tree"))
        a = GS_FAIRSHARE_FAIR_TREE;
    else if (!strcmp(algo, "classic"))
        a = GS_FAIRSHARE_CLASSIC;
    else {
        fprintf(stderr, "%s: --algo must be classic or fair-tree\n", prog);
        return CLI_USAGE;
    }
    size_t la, lu;
    char *ta = cli_read_file(prog, acc, &la);
    if (!ta)
        return CLI_FAIL;
    char *tu = cli_read_file(prog, use, &lu);
    if (!tu) {
        free(ta);
        return CLI_FAIL;
    }
    gs_share *s = NULL;
    int rc = CLI_OK;
    if (gs_share_create(&s) != GS_OK ||
        gs_share_load_accounts(s, ta, la, acc) != GS_OK ||
        gs_share_load_usage(s, tu, lu, use) != GS_OK ||
        gs_share_compute(s, a, 0) != GS_OK) {
        fprintf(stderr, "%s: %s\n", prog,
                s ? gs_share_errmsg(s) : "out of memory");
        rc = CLI_FAIL;
        goto out;
    }
    if (json)
        printf("{\"algorithm\": \"%s\", \"rows\": [\n", algo);
    else
        printf("%-24s %-12s %9s %11s %12s %10s %12s %10s %10s %5s\n",
               "Account", "User", "RawShares", "NormShares", "RawUsage",
               "NormUsage", "EffectvUsage", "FairShare", "LevelFS", "Rank");
    for (size_t i = 0; i < gs_share_row_count(s); i++) {
        gs_share_row r;
        r.struct_size = sizeof r;
        gs_share_row_get(s, i, &r);
        if (json) {
            printf("  {\"account\": \"%s\", \"user\": ", r.account);
            if (r.user)
                printf("\"%s\", ", r.user);
            else
                printf("null, ");
            printf("\"depth\": %u, ", r.depth);
            if (isnan(r.raw_shares)) /* Fairshare=parent */
                printf("\"raw_shares\": \"parent\", ");
            else
                json_num("raw_shares", r.raw_shares, true);
            json_num("norm_shares", r.norm_shares, true);
            json_num("level_shares", r.level_shares, true);
            json_num("raw_usage", r.raw_usage, true);
            json_num("norm_usage", r.norm_usage, true);
            json_num("effective_usage", r.effective_usage, true);
            json_num("fairshare", r.factor, true);
            json_num("level_fs", r.level_fs, true);
            printf("\"rank\": %u}%s\n", r.rank,
                   i + 1 < gs_share_row_count(s) ? "," : "");
            continue;
        }
        char acct[64];
        snprintf(acct, sizeof acct, "%*s%s", (int)r.depth, "", r.account);
        printf("%-24s %-12s", acct, r.user ? r.user : "");
        if (isnan(r.raw_shares))
            printf(" %9s", "parent");
        else
            print_num(r.raw_shares, 9, 0);
        /* NormShares as sshare shows it: the fraction of the machine
         * (classic), the fraction among siblings (Fair Tree) */
        print_num(a == GS_FAIRSHARE_FAIR_TREE ? r.level_shares : r.norm_shares,
                  11, 6);
        print_num(r.raw_usage, 12, 4);
        print_num(r.norm_usage, 10, 6);
        print_num(r.effective_usage, 12, 6);
        print_num(r.factor, 10, 6);
        print_num(r.level_fs, 10, 4);
        if (r.user && r.rank)
            printf(" %5u\n", r.rank);
        else
            printf(" %5s\n", "");
    }
    if (json)
        printf("]}\n");
out:
    gs_share_destroy(s);
    free(ta);
    free(tu);
    return rc;
usage:
    fprintf(stderr, "usage: gpusched share --accounts FILE --usage FILE "
                    "[--algo classic|fair-tree] [--json]\n"
                    "The usage file is CSV: user,account,usage (an empty "
                    "user charges the account).\n");
    return CLI_USAGE;
}
