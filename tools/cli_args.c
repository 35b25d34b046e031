/*
 * What every gpusched command does the same way: options parsed from the
 * command's table (so that the help and the parser cannot disagree), the
 * help printed from that table, errors that say what to try, inputs read
 * with a size limit (- is standard input), outputs opened before the work
 * and checked after it, JSON strings escaped.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Options of the groups a command may take (cli_command::groups). */
static const cli_option topo_options[] = {
    {CLI_O_FORMAT, "--format", NULL, "F", "detected from the content",
     "the topology's format: json, smi (nvidia-smi topo -m), hwloc, "
     "slurm-topology or slurm-gres",
     0},
    {CLI_O_NODE_TEMPLATE, "--node-template", NULL, "T",
     "nodes without GPUs",
     "hardware of the nodes a Slurm topology.conf names: a template for all "
     "of them, or HOSTLIST=TEMPLATE; may be repeated",
     CLI_REPEAT},
    {CLI_O_HOSTNAME, "--hostname", NULL, "NAME", "localhost",
     "name of the node that single-machine formats (nvidia-smi text, hwloc) "
     "describe",
     0},
    {CLI_O_QUIET, "--quiet", NULL, NULL, "off",
     "do not print warnings about the input", 0},
    {.name = NULL}};

static const cli_option input_options[] = {
    {CLI_O_MAX_INPUT, "--max-input", NULL, "BYTES", "256M",
     "largest input read from one file or standard input; K, M, G and T "
     "suffixes are powers of 1024",
     0},
    {.name = NULL}};

bool cli_given(const cli_args *a, int id)
{
    return a->val[id] != NULL;
}

static void vreport(const cli_args *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void vreport(const cli_args *a, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", a->prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_usage_error(const cli_args *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(a, fmt, ap);
    va_end(ap);
    fprintf(stderr, "try '%s --help'\n", a->prog);
    return CLI_USAGE;
}

int cli_fail(const cli_args *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(a, fmt, ap);
    va_end(ap);
    return CLI_FAIL;
}

int cli_check_placement(const cli_args *a, const char *name)
{
    if (gs_placement_find(name))
        return CLI_OK;
    char names[512] = "";
    for (size_t i = 0; i < gs_placement_count(); i++) {
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                 gs_placement_name(i));
    }
    return cli_usage_error(a, "unknown placement policy '%s' (%s)", name,
                           names);
}

/* ---- the help ------------------------------------------------------------ */

#define HELP_WIDTH 79
#define OPTION_COLUMN 24

/* Print text from column col, wrapped at HELP_WIDTH, continuation lines
 * indented by indent; a '\n' in the text starts a new line. */
static void wrap(FILE *f, const char *text, int col, int indent)
{
    const char *p = text;
    bool line_start = true;
    while (*p) {
        if (*p == '\n') {
            fputc('\n', f);
            p++;
            if (*p && *p != '\n')
                col = fprintf(f, "%*s", indent, "");
            else
                col = 0;
            line_start = true;
            continue;
        }
        if (*p == ' ') {
            p++;
            continue;
        }
        size_t w = strcspn(p, " \n");
        if (!line_start && col + 1 + (int)w > HELP_WIDTH) {
            col = fprintf(f, "\n%*s", indent, "") - 1;
            line_start = true;
        }
        if (!line_start)
            col += fprintf(f, " ");
        col += fprintf(f, "%.*s", (int)w, p);
        line_start = false;
        p += w;
    }
}

static const char *const ordinal[] = {"first", "second", "third"};

static void print_option(FILE *f, const cli_command *cmd, const cli_option *o)
{
    int col = fprintf(f, "  %s%s%s", o->name, o->metavar ? " " : "",
                      o->metavar ? o->metavar : "");
    if (col > OPTION_COLUMN - 2)
        col = fprintf(f, "\n%*s", OPTION_COLUMN, "") - 1;
    else
        col += fprintf(f, "%*s", OPTION_COLUMN - col, "");
    char text[1024];
    int n = snprintf(text, sizeof text, "%s (%s%s", o->help,
                     o->def ? "default: " : "required",
                     o->def ? o->def : "");
    if (o->aliases && n > 0 && (size_t)n < sizeof text)
        n += snprintf(text + n, sizeof text - (size_t)n, "; alias%s: %s",
                      strchr(o->aliases, ' ') ? "es" : "", o->aliases);
    for (int k = 0; cmd->positional && cmd->positional[k] >= 0 && k < 3;
         k++)
        if (cmd->positional[k] == o->id && n > 0 && (size_t)n < sizeof text)
            n += snprintf(text + n, sizeof text - (size_t)n,
                          "; or give it as the %s argument", ordinal[k]);
    if (n > 0 && (size_t)n < sizeof text)
        snprintf(text + n, sizeof text - (size_t)n, ")");
    wrap(f, text, col, OPTION_COLUMN);
    fputc('\n', f);
}

static void print_options(FILE *f, const cli_command *cmd,
                          const cli_option *opts)
{
    for (const cli_option *o = opts; o && o->name; o++)
        print_option(f, cmd, o);
}

static void print_paragraphs(FILE *f, const char *text)
{
    wrap(f, text, 0, 0);
    fputc('\n', f);
}

void cli_print_help(FILE *f, const cli_command *cmd)
{
    int used = fprintf(f, "usage: gpusched %s ", cmd->path);
    wrap(f, cmd->synopsis, used, used);
    fputs("\n\n", f);
    print_paragraphs(f, cmd->description);
    if (!cmd->run) {
        /* a group: its subcommands from the command table */
        size_t plen = strlen(cmd->path);
        fprintf(f, "\nSubcommands:\n");
        for (size_t i = 0; i < cli_command_count; i++) {
            const cli_command *c = cli_commands[i];
            if (strncmp(c->path, cmd->path, plen) != 0 || c->path[plen] != ' ')
                continue;
            int col = fprintf(f, "  %s", c->path + plen + 1);
            col += fprintf(f, "%*s", col < OPTION_COLUMN - 2
                                         ? OPTION_COLUMN - col
                                         : 2, "");
            wrap(f, c->summary, col, OPTION_COLUMN);
            fputc('\n', f);
        }
    }
    fprintf(f, "\nOptions:\n");
    print_options(f, cmd, cmd->options);
    if (cmd->groups & CLI_GROUP_INPUT)
        print_options(f, cmd, input_options);
    fprintf(f, "  -h, --help%*sshow this help and exit (default: off)\n",
            OPTION_COLUMN - 12, "");
    if (cmd->groups & CLI_GROUP_TOPO) {
        fprintf(f, "\nTopology options:\n");
        print_options(f, cmd, topo_options);
    }
    if (cmd->exit_status) {
        fprintf(f, "\nExit status: ");
        wrap(f, cmd->exit_status, 13, 2);
        fputc('\n', f);
    }
    fprintf(f, "\nExamples:\n");
    for (const char *p = cmd->examples; *p;) {
        size_t w = strcspn(p, "\n");
        fprintf(f, "  %.*s\n", (int)w, p);
        p += w + (p[w] == '\n');
    }
}

/* ---- parsing ------------------------------------------------------------- */

/* Does the spelling (len bytes at s) match one of the space-separated
 * names in list? */
static bool spelled(const char *list, const char *s, size_t len)
{
    for (const char *p = list; p && *p;) {
        size_t w = strcspn(p, " ");
        if (w == len && !strncmp(p, s, len))
            return true;
        p += w + (p[w] == ' ');
    }
    return false;
}

static const cli_option *find_in(const cli_option *opts, const char *s,
                                 size_t len)
{
    for (const cli_option *o = opts; o && o->name; o++)
        if ((strlen(o->name) == len && !strncmp(o->name, s, len)) ||
            spelled(o->aliases, s, len))
            return o;
    return NULL;
}

static const cli_option *find_option(const cli_command *cmd, const char *s,
                                     size_t len)
{
    const cli_option *o = find_in(cmd->options, s, len);
    if (!o && (cmd->groups & CLI_GROUP_TOPO))
        o = find_in(topo_options, s, len);
    if (!o && (cmd->groups & CLI_GROUP_INPUT))
        o = find_in(input_options, s, len);
    return o;
}

static const cli_option *option_by_id(const cli_command *cmd, int id)
{
    const cli_option *groups[] = {cmd->options,
                                  cmd->groups & CLI_GROUP_TOPO ? topo_options
                                                               : NULL,
                                  cmd->groups & CLI_GROUP_INPUT ? input_options
                                                                : NULL};
    for (size_t g = 0; g < 3; g++)
        for (const cli_option *o = groups[g]; o && o->name; o++)
            if (o->id == id)
                return o;
    return NULL;
}

static int store(cli_args *a, const cli_option *o, const char *v)
{
    if (o->flags & CLI_REPEAT) {
        if (a->nrepeat == CLI_MAX_REPEAT)
            return cli_usage_error(a, "%s given more than %d times", o->name,
                                   CLI_MAX_REPEAT);
        a->repeat_id[a->nrepeat] = o->id;
        a->repeat[a->nrepeat++] = v;
    } else if (a->val[o->id] && o->metavar) {
        /* typed once as an alias, once as the name: say both */
        return cli_usage_error(a, "%s%s%s%s given twice ('%s' and '%s')",
                               o->name, o->aliases ? " (or " : "",
                               o->aliases ? o->aliases : "",
                               o->aliases ? ")" : "", a->val[o->id], v);
    }
    a->val[o->id] = v;
    return CLI_OK;
}

static int check_topo_options(cli_args *a)
{
    gs_format fmt;
    if (a->val[CLI_O_FORMAT] &&
        gs_format_from_name(a->val[CLI_O_FORMAT], &fmt) != GS_OK)
        return cli_usage_error(a,
                               "unknown --format '%s' (json, smi, hwloc, "
                               "slurm-topology, slurm-gres)",
                               a->val[CLI_O_FORMAT]);
    return CLI_OK;
}

int cli_parse(const cli_command *cmd, int argc, char **argv, cli_args *a)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    snprintf(a->prog, sizeof a->prog, "gpusched %s", cmd->path);
    a->max_input = GS_MAX_INPUT_DEFAULT;
    int npos = 0;
    bool only_positional = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!only_positional &&
            (!strcmp(arg, "-h") || !strcmp(arg, "--help"))) {
            cli_print_help(stdout, cmd);
            return CLI_HELP;
        }
        if (!only_positional && !strcmp(arg, "--")) {
            only_positional = true;
            continue;
        }
        if (!only_positional && arg[0] == '-' && arg[1]) {
            const char *eq = arg[1] == '-' ? strchr(arg, '=') : NULL;
            size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
            const cli_option *o = find_option(cmd, arg, len);
            /* --help is answered above, not from the table */
            if (!o && len == 6 && !strncmp(arg, "--help", 6))
                return cli_usage_error(a, "--help takes no value");
            if (!o)
                return cli_usage_error(a, "unknown option '%.*s'", (int)len,
                                       arg);
            const char *v = "";
            if (o->metavar && eq) {
                v = eq + 1;
            } else if (o->metavar) {
                /* "-" (standard input) and "-1" are values, so that a
                 * bad number gets its own message; "--x" and -h are not */
                const char *next = i + 1 < argc ? argv[i + 1] : NULL;
                if (!next || (next[0] == '-' && next[1] == '-' && next[2]) ||
                    !strcmp(next, "-h"))
                    return cli_usage_error(a, "%.*s needs a value (%s)",
                                           (int)len, arg, o->metavar);
                v = argv[++i];
            } else if (eq) {
                return cli_usage_error(a, "%.*s takes no value", (int)len,
                                       arg);
            }
            int rc = store(a, o, v);
            if (rc != CLI_OK)
                return rc;
            continue;
        }
        if (!cmd->positional || cmd->positional[npos] < 0)
            return cli_usage_error(a, "unexpected argument '%s'", arg);
        int id = cmd->positional[npos++];
        const cli_option *o = option_by_id(cmd, id);
        /* a bare argument of its own (help's COMMAND) has no option */
        int rc = o ? store(a, o, arg) : CLI_OK;
        if (!o)
            a->val[id] = arg;
        if (rc != CLI_OK)
            return rc;
    }
    for (const cli_option *o = cmd->options; o && o->name; o++)
        if ((o->flags & CLI_REQUIRED) && !a->val[o->id])
            return cli_usage_error(a, "%s %s is required", o->name,
                                   o->metavar ? o->metavar : "");
    /* only one input can be standard input; an output there is fine */
    for (int id = 0; id < CLI_O_COUNT; id++) {
        const cli_option *o = a->val[id] ? option_by_id(cmd, id) : NULL;
        if (!o || !(o->flags & CLI_INPUT) || strcmp(a->val[id], "-") != 0)
            continue;
        if (a->stdin_for)
            return cli_usage_error(a,
                                   "%s and %s both read standard input (-): "
                                   "only one of them can",
                                   a->stdin_for, o->name);
        a->stdin_for = o->name;
    }
    if (a->val[CLI_O_MAX_INPUT] &&
        cli_parse_bytes(a->val[CLI_O_MAX_INPUT], &a->max_input) != 0)
        return cli_usage_error(a,
                               "--max-input '%s': want a size in bytes from "
                               "1 to 2^62, like 1048576, 64K, 256M or 2G",
                               a->val[CLI_O_MAX_INPUT]);
    if (cmd->groups & CLI_GROUP_TOPO)
        return check_topo_options(a);
    return CLI_OK;
}

/* ---- numbers ------------------------------------------------------------- */

int cli_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    /* strtoull takes blanks, a sign (and wraps "-1"): digits only */
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_bytes(const char *s, uint64_t *out)
{
    size_t digits = strspn(s, "0123456789");
    if (!digits || digits > 20)
        return -1;
    char num[24];
    memcpy(num, s, digits);
    num[digits] = '\0';
    uint64_t v;
    if (cli_parse_u64(num, UINT64_MAX, &v) != 0)
        return -1;
    static const struct {
        const char *suffix;
        unsigned shift;
    } units[] = {{"", 0},     {"B", 0},    {"K", 10},   {"k", 10},
                 {"KiB", 10}, {"M", 20},   {"MiB", 20}, {"G", 30},
                 {"GiB", 30}, {"T", 40},   {"TiB", 40}};
    const char *suffix = s + digits;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(suffix, units[i].suffix) != 0)
            continue;
        const uint64_t limit = (uint64_t)1 << 62;
        if (v == 0 || v > limit >> units[i].shift)
            return -1;
        *out = v << units[i].shift;
        return 0;
    }
    return -1;
}

int cli_parse_double(const char *s, double *out)
{
    /* strtod takes blanks, signs, hexadecimal, "nan" and "inf": a digit
     * or a point first, then digits, a point and an exponent only */
    if (!*s || !strchr("0123456789.", *s) ||
        s[strspn(s, "0123456789.eE+-")])
        return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    /* ERANGE: overflow, or an underflow to 0 or a subnormal */
    if (*end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int cli_parse_gpu_list(const cli_args *a, const char *what, const char *s,
                       uint32_t n, unsigned char *in)
{
    const char *p = s;
    if (!*p)
        return cli_usage_error(a, "%s is empty: want GPU indices like 0,2,4-5",
                               what);
    while (*p) {
        uint64_t lo, hi;
        char num[24];
        size_t w = strspn(p, "0123456789");
        if (!w || w >= sizeof num)
            goto bad;
        memcpy(num, p, w);
        num[w] = '\0';
        if (cli_parse_u64(num, UINT32_MAX, &lo) != 0 || lo >= n)
            goto range;
        p += w;
        hi = lo;
        if (*p == '-') {
            w = strspn(p + 1, "0123456789");
            if (!w || w >= sizeof num)
                goto bad;
            memcpy(num, p + 1, w);
            num[w] = '\0';
            if (cli_parse_u64(num, UINT32_MAX, &hi) != 0 || hi >= n)
                goto range;
            if (hi < lo)
                return cli_usage_error(a, "%s '%s': range %llu-%llu runs "
                                          "backwards",
                                       what, s, (unsigned long long)lo,
                                       (unsigned long long)hi);
            p += 1 + w;
        }
        for (uint64_t i = lo; i <= hi; i++)
            in[i] = 1;
        if (*p == ',' && p[1])
            p++;
        else if (*p)
            goto bad;
    }
    return CLI_OK;
bad:
    return cli_usage_error(a, "%s '%s': unexpected '%s' (want GPU indices "
                              "like 0,2,4-5)",
                           what, s, *p ? p : "end");
range:
    return cli_usage_error(a, "%s '%s': bad GPU index at '%s' (the topology "
                              "has GPUs 0-%u)",
                           what, s, p, n ? n - 1 : 0);
}

/* ---- communication patterns and placement tuning ------------------------ */

const char *cli_pattern_names(void)
{
    static char names[128];
    if (!names[0]) {
        size_t n = 0;
        for (int p = 0; p < GS_PATTERN_COUNT; p++)
            n += (size_t)snprintf(names + n, sizeof names - n, "%s%s",
                                  p == 0                     ? ""
                                  : p == GS_PATTERN_COUNT - 1 ? " or "
                                                              : ", ",
                                  gs_pattern_name((gs_comm_pattern)p));
    }
    return names;
}

int cli_parse_pattern_option(const cli_args *a, gs_comm_pattern *out)
{
    const char *v = a->val[CLI_O_PATTERN];
    *out = GS_PATTERN_ANY;
    if (v && gs_pattern_parse(v, out) != GS_OK)
        return cli_usage_error(a, "--pattern '%s': want %s", v,
                               cli_pattern_names());
    return CLI_OK;
}

/* One --demand entry, SIZE:PATTERN[:WEIGHT] (len bytes at p). */
static int parse_demand_entry(const cli_args *a, const char *list,
                              const char *p, size_t len, gs_demand_entry *e)
{
    char buf[64], *size, *pattern, *weight;
    if (len == 0)
        return cli_usage_error(a, "--demand '%s': an empty entry (want "
                                  "SIZE:PATTERN[:WEIGHT] entries separated "
                                  "by commas)",
                               list);
    if (len >= sizeof buf)
        goto bad;
    memcpy(buf, p, len);
    buf[len] = '\0';
    size = buf;
    pattern = strchr(buf, ':');
    if (!pattern)
        goto bad;
    *pattern++ = '\0';
    weight = strchr(pattern, ':');
    if (weight)
        *weight++ = '\0';
    uint64_t k;
    if (cli_parse_u64(size, 64, &k) != 0 || k == 0)
        return cli_usage_error(a, "--demand '%s': size '%s' in '%.*s': want "
                                  "GPUs from 1 to 64",
                               list, size, (int)len, p);
    if (gs_pattern_parse(pattern, &e->pattern) != GS_OK)
        return cli_usage_error(a, "--demand '%s': pattern '%s' in '%.*s': "
                                  "want %s",
                               list, pattern, (int)len, p,
                               cli_pattern_names());
    e->gpus = (uint32_t)k;
    e->weight = 1;
    if (weight && (cli_parse_double(weight, &e->weight) != 0 ||
                   !(e->weight > 0) || !(e->weight <= 1e6)))
        return cli_usage_error(a, "--demand '%s': weight '%s' in '%.*s': "
                                  "want a number above 0, at most 1e6",
                               list, weight, (int)len, p);
    return CLI_OK;
bad:
    return cli_usage_error(a, "--demand '%s': '%.*s': want SIZE:PATTERN or "
                              "SIZE:PATTERN:WEIGHT, like 2:ring or 4:any:0.5",
                           list, (int)(len < 40 ? len : 40), p);
}

int cli_parse_tuning(const cli_args *a, cli_tuning *t)
{
    memset(t, 0, sizeof *t);
    const char *numa = a->val[CLI_O_NUMA];
    if (numa) {
        int m = 0;
        for (; m < 3; m++)
            if (!strcmp(numa, gs_numa_mode_name((gs_numa_mode)m)))
                break;
        if (m == 3)
            return cli_usage_error(a, "--numa '%s': want prefer, strict or "
                                      "ignore",
                                   numa);
        t->numa_given = true;
        t->numa = (gs_numa_mode)m;
    }
    const char *list = a->val[CLI_O_DEMAND];
    for (const char *p = list; p;) {
        size_t len = strcspn(p, ",");
        if (t->n_demand == GS_MAX_DEMAND)
            return cli_usage_error(a, "--demand '%s': at most %d entries",
                                   list, GS_MAX_DEMAND);
        gs_demand_entry *e = &t->demand[t->n_demand];
        if (parse_demand_entry(a, list, p, len, e) != CLI_OK)
            return CLI_USAGE;
        for (size_t i = 0; i < t->n_demand; i++)
            if (t->demand[i].gpus == e->gpus &&
                t->demand[i].pattern == e->pattern)
                return cli_usage_error(a, "--demand '%s': %u:%s is there "
                                          "twice",
                                       list, e->gpus,
                                       gs_pattern_name(e->pattern));
        t->n_demand++;
        p = p[len] ? p + len + 1 : NULL;
    }
    t->no_lookahead = a->val[CLI_O_NO_LOOKAHEAD] != NULL;
    return CLI_OK;
}

int cli_apply_tuning(const cli_args *a, gs_sched *s, const cli_tuning *t)
{
    if (t->numa_given && gs_sched_set_numa_mode(s, t->numa) != GS_OK)
        return cli_fail(a, "--numa: %s", gs_sched_errmsg(s));
    if (t->no_lookahead && gs_sched_set_lookahead(s, 0) != GS_OK)
        return cli_fail(a, "--no-lookahead: %s", gs_sched_errmsg(s));
    if (t->n_demand) {
        gs_status st = gs_sched_set_demand(s, t->demand, t->n_demand);
        if (st == GS_EINVAL || st == GS_ERANGE)
            return cli_usage_error(a, "--demand '%s': %s",
                                   a->val[CLI_O_DEMAND], gs_sched_errmsg(s));
        if (st != GS_OK)
            return cli_fail(a, "--demand: %s", gs_sched_errmsg(s));
    }
    return CLI_OK;
}

/* ---- inputs -------------------------------------------------------------- */

int cli_input_too_big(cli_args *a, const char *name)
{
    return cli_fail(a,
                    "%s: more than %llu bytes, the input limit (raise it "
                    "with --max-input)",
                    name, (unsigned long long)a->max_input);
}

char *cli_read_input(cli_args *a, const char *path, size_t *len)
{
    bool is_stdin = !strcmp(path, "-");
    const char *name = is_stdin ? "<stdin>" : path;
    if (is_stdin && isatty(STDIN_FILENO))
        fprintf(stderr, "%s: reading %s from the terminal (end with Ctrl-D)\n",
                a->prog, a->stdin_for ? a->stdin_for : "-");
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        cli_fail(a, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 0, n = 0;
    char *buf = NULL;
    bool too_big = false, failed = false;
    for (;;) {
        if (n + 1 >= cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                failed = true;
                errno = ENOMEM;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        /* read at most one byte past the limit: enough to know */
        size_t want = cap - n - 1;
        if ((uint64_t)n + want > a->max_input + 1)
            want = (size_t)(a->max_input + 1 - n);
        size_t r = fread(buf + n, 1, want, f);
        n += r;
        if (n > a->max_input) {
            too_big = true;
            break;
        }
        if (r < want) {
            failed = ferror(f) != 0;
            break;
        }
    }
    int err = errno;
    if (!is_stdin)
        fclose(f);
    if (too_big || failed) {
        if (too_big)
            cli_input_too_big(a, name);
        else
            cli_fail(a, "%s: %s", name, strerror(err ? err : EIO));
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* ---- the output ---------------------------------------------------------- */

int cli_open_file(const char *path, bool *created)
{
    /* not truncated now: a command that fails leaves an existing file as
     * it was */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    *created = fd >= 0;
    if (fd < 0 && errno == EEXIST)
        fd = open(path, O_WRONLY | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return -1;
    }
    return fd;
}

int cli_write_all(int fd, const char *buf, size_t len)
{
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, buf + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : EIO;
        off += (size_t)n;
    }
    return 0;
}

double cli_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cli_run_workers(cli_args *a, unsigned n, int (*work)(void *arg),
                    void (*tick)(void *arg), void *arg, int *stop)
{
    pid_t pids[CLI_MAX_WORKERS];
    if (n > CLI_MAX_WORKERS)
        n = CLI_MAX_WORKERS;
    fflush(stdout);
    fflush(stderr);
    unsigned started = 0;
    int failed = 0;
    for (; started < n; started++) {
        pid_t pid = fork();
        if (pid < 0) {
            cli_fail(a, "cannot start a worker process: %s", strerror(errno));
            if (stop)
                __atomic_store_n(stop, 1, __ATOMIC_RELAXED);
            failed = -1;
            break;
        }
        if (pid == 0)
            _exit(work(arg));
        pids[started] = pid;
    }
    for (unsigned alive = started; alive > 0;) {
        int status = 0;
        pid_t pid = waitpid(-1, &status, tick ? WNOHANG : 0);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0)
            break;
        if (pid == 0) {
            tick(arg);
            struct timespec ts = {0, 200000000};
            nanosleep(&ts, NULL);
            continue;
        }
        for (unsigned k = 0; k < started; k++) {
            if (pids[k] != pid)
                continue;
            alive--;
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                continue;
            if (WIFSIGNALED(status))
                cli_fail(a, "a worker process died of signal %d",
                         WTERMSIG(status));
            if (stop)
                __atomic_store_n(stop, 1, __ATOMIC_RELAXED);
            if (failed >= 0)
                failed++;
        }
    }
    if (tick)
        fputs("\r\033[K", stderr);
    return failed;
}

int cli_open_output(cli_args *a)
{
    const char *path = a->val[CLI_O_OUT] ? a->val[CLI_O_OUT] : "-";
    int fd = STDOUT_FILENO;
    a->out_created = false;
    if (strcmp(path, "-") != 0) {
        fd = cli_open_file(path, &a->out_created);
        if (fd < 0)
            return cli_fail(a, "--out %s: cannot write there: %s", path,
                            strerror(errno));
    }
    /* In memory first: stdio forgets why a write failed by the time a
     * later fflush reports it, and write(2) below does not. */
    a->out = open_memstream(&a->out_mem, &a->out_len);
    if (!a->out) {
        if (fd != STDOUT_FILENO)
            close(fd);
        if (a->out_created)
            unlink(path);
        return cli_fail(a, "out of memory");
    }
    a->out_fd = fd;
    a->out_path = fd == STDOUT_FILENO ? "standard output" : path;
    return CLI_OK;
}

int cli_drain_output(cli_args *a)
{
    if (!a->out)
        return CLI_OK;
    int err = fflush(a->out) != 0 ? ENOMEM : 0;
    if (!err && a->out_fd == STDOUT_FILENO)
        fflush(stdout); /* what went to stdout directly comes first */
    if (!err)
        err = cli_write_all(a->out_fd, a->out_mem, a->out_len);
    if (!err) {
        a->out_drained += a->out_len;
        /* the memory stream from its start: its size is its position */
        if (fseeko(a->out, 0, SEEK_SET) != 0 || fflush(a->out) != 0)
            err = errno ? errno : ENOMEM;
    }
    if (!err)
        return CLI_OK;
    /* the output is given up: closing it later does nothing */
    fclose(a->out);
    a->out = NULL;
    free(a->out_mem);
    a->out_mem = NULL;
    if (a->out_fd != STDOUT_FILENO)
        close(a->out_fd);
    if (a->out_created)
        unlink(a->out_path);
    return cli_fail(a, "%s: write error: %s", a->out_path, strerror(err));
}

int cli_close_output(cli_args *a, int rc)
{
    if (!a->out)
        return rc;
    int err = fclose(a->out) != 0 ? ENOMEM : 0;
    a->out = NULL;
    bool failed = rc == CLI_FAIL || rc == CLI_USAGE;
    bool to_stdout = a->out_fd == STDOUT_FILENO;
    uint64_t total = a->out_drained + a->out_len;
    /* what went to stdout directly comes first; main() reports its
     * errors */
    if (to_stdout)
        fflush(stdout);
    if (!err && (total > 0 || !failed)) {
        err = cli_write_all(a->out_fd, a->out_mem, a->out_len);
        /* a file that held more keeps only this */
        struct stat st;
        if (!err && !to_stdout && fstat(a->out_fd, &st) == 0 &&
            S_ISREG(st.st_mode) && ftruncate(a->out_fd, (off_t)total) != 0)
            err = errno;
    }
    if (!to_stdout && close(a->out_fd) != 0 && !err)
        err = errno;
    if (a->out_created && (err || (failed && total == 0)))
        unlink(a->out_path);
    free(a->out_mem);
    a->out_mem = NULL;
    if (err)
        return cli_fail(a, "%s: write error: %s", a->out_path,
                        strerror(err));
    return rc;
}

/* ---- JSON ---------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p, or 0. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

void cli_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (*p == '"' || *p == '\\') {
            fprintf(f, "\\%c", *p++);
        } else if (*p == '\n') {
            fputs("\\n", f);
            p++;
        } else if (*p == '\t') {
            fputs("\\t", f);
            p++;
        } else if (*p < 0x20 || *p == 0x7F) {
            fprintf(f, "\\u%04x", *p++);
        } else if (*p < 0x80) {
            fputc(*p++, f);
        } else {
            size_t n = utf8_len(p);
            if (n) {
                fwrite(p, 1, n, f);
                p += n;
            } else {
                fputs("\\ufffd", f); /* not UTF-8: the replacement char */
                p++;
            }
        }
    }
    fputc('"', f);
}

void cli_print_gbs(FILE *f, double v)
{
    if (v == trunc(v) && fabs(v) < 1e15)
        fprintf(f, "%.0f", v);
    else
        fprintf(f, "%.10g", v);
}

void cli_json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.15g", v);
    else
        fputs("null", f);
}

/* ---- topologies ---------------------------------------------------------- */

static void print_warning(void *user, const char *msg)
{
    fprintf(stderr, "%s: warning: %s\n", (const char *)user, msg);
}

gs_topo *cli_load_topo(cli_args *a, const char *src)
{
    gs_load_options o;
    gs_load_options_init(&o);
    if (a->val[CLI_O_FORMAT])
        gs_format_from_name(a->val[CLI_O_FORMAT], &o.format);
    o.hostname = a->val[CLI_O_HOSTNAME];
    o.max_input_bytes = a->max_input;
    if (!cli_given(a, CLI_O_QUIET)) {
        o.warn = print_warning;
        o.warn_user = a->prog;
    }
    /* several --node-template values are one ';'-separated list */
    size_t tlen = 0;
    for (size_t i = 0; i < a->nrepeat; i++)
        if (a->repeat_id[i] == CLI_O_NODE_TEMPLATE)
            tlen += strlen(a->repeat[i]) + 1;
    char *templates = NULL;
    if (tlen) {
        templates = malloc(tlen);
        if (!templates) {
            cli_fail(a, "out of memory");
            return NULL;
        }
        templates[0] = '\0';
        for (size_t i = 0; i < a->nrepeat; i++) {
            if (a->repeat_id[i] != CLI_O_NODE_TEMPLATE)
                continue;
            if (templates[0])
                strcat(templates, ";");
            strcat(templates, a->repeat[i]);
        }
        o.node_templates = templates;
    }
    gs_topo *t = NULL;
    gs_status st;
    if (!strcmp(src, "-")) {
        size_t len;
        char *text = cli_read_input(a, src, &len);
        if (!text) {
            free(templates);
            return NULL;
        }
        st = gs_topo_load_buffer(&t, text, len, "<stdin>", &o);
        free(text);
    } else {
        st = gs_topo_load(&t, src, &o);
    }
    free(templates);
    if (st != GS_OK) {
        const char *msg = t && gs_topo_errmsg(t)[0] ? gs_topo_errmsg(t)
                                                    : gs_strerror(st);
        /* the library names its API's knob; a user of the tool has another */
        const char *knob = st == GS_ERANGE ? strstr(msg, " (max_input_bytes")
                                           : NULL;
        if (knob)
            cli_fail(a, "%.*s (raise it with --max-input)", (int)(knob - msg),
                     msg);
        else
            cli_fail(a, "%s", msg);
        gs_topo_destroy(t);
        return NULL;
    }
    /* nodes without any hardware: a Slurm topology.conf names nodes only,
     * and every job would then "need more GPUs than the cluster has" */
    uint32_t nn = gs_topo_node_count(t), bare = 0;
    for (uint32_t n = 0; n < nn; n++)
        bare += !gs_topo_node_gpu_count(t, n) &&
                !gs_topo_node_cpu_count(t, n) &&
                !gs_topo_node_numa_count(t, n);
    if (nn && bare == nn && !tlen && !cli_given(a, CLI_O_QUIET))
        fprintf(stderr,
                "%s: warning: %s: %u node%s without hardware (no CPUs, "
                "memory or GPUs): a Slurm topology.conf names nodes only; "
                "--node-template gives them a built-in machine (gpusched "
                "topo templates), e.g. --node-template dgx-h100\n",
                a->prog, strcmp(src, "-") ? src : "<stdin>", nn,
                nn == 1 ? "" : "s");
    return t;
}

/* Split a CSV line in place into fields, storing the first max with their
 * 1-based columns in col[]. Fields may be quoted ("a,b", "say ""hi""");
 * blanks around a field are dropped. Returns the number of fields (all of
 * them, also beyond max), or -1 with *bad the column of an unterminated
 * quote or of text after a closing one. The sim's and podsim's
 * readers (the caller strips a trailing CR). */
int cli_csv_split(char *line, char **f, size_t *col, int max, size_t *bad)
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t here = (size_t)(p - line) + 1;
        char *out = p, *field = p;
        bool more;
        if (*p == '"') {
            char *q = p + 1;
            for (;;) {
                if (!*q) {
                    *bad = here;
                    return -1;
                }
                if (*q == '"' && q[1] == '"') {
                    *out++ = '"';
                    q += 2;
                } else if (*q == '"') {
                    q++;
                    break;
                } else {
                    *out++ = *q++;
                }
            }
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q && *q != ',') {
                *bad = (size_t)(q - line) + 1;
                return -1;
            }
            more = *q == ',';
            *out = '\0';
            p = more ? q + 1 : q;
        } else {
            char *c = strchr(p, ',');
            char *end = c ? c : p + strlen(p);
            while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
            more = c != NULL;
            *end = '\0';
            p = c ? c + 1 : end;
        }
        if (n < max) {
            f[n] = field;
            col[n] = here;
        }
        if (n == INT32_MAX - 1)
            return n + 1;
        n++;
        if (!more)
            return n;
    }
}
