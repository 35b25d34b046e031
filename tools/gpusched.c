/*
 * gpusched: the command-line tool.
 *
 *   gpusched tour                      the README's main job
 *   gpusched probe [--json] [--source] this machine's GPUs (exit 3: none)
 *   gpusched topo show SRC [--json]    a topology, like nvidia-smi topo -m
 *   gpusched topo convert IN OUT       any supported source -> JSON
 *   gpusched topo templates            the built-in templates
 *
 * Exit status: 0 success, 1 failure, 2 bad arguments.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <gpusched/gpusched.h>

#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gpusched <command> [options]\n"
            "\n"
            "Commands:\n"
            "  tour                       look at this machine, then at a "
            "built-in topology\n"
            "  probe [--json] [--source] [--partial] [--cuda-library P] "
            "[...]\n"
            "                             this machine's GPUs from the CUDA "
            "driver, NVML and\n"
            "                             hwloc (exit 3: no GPU, 4: driver "
            "error; probe --help)\n"
            "  topo show SRC [--json] [--node NAME] [--sources] [--legend] "
            "[...]\n"
            "                             print a topology's GPU matrix (like "
            "nvidia-smi topo -m)\n"
            "                             and a cluster summary, or its JSON "
            "form\n"
            "  topo convert IN OUT        write a topology as gpusched JSON "
            "(OUT - is stdout)\n"
            "  topo templates             list the built-in templates\n"
            "  place --topo SRC --gpus N[,N...] [--free LIST | --busy LIST]\n"
            "        [--require LIST] [--policy NAME] [--json]\n"
            "                             choose GPUs for successive jobs "
            "(exit 3: one\n"
            "                             could not be placed)\n"
            "  share --accounts FILE --usage FILE [--algo classic|fair-tree] "
            "[--json]\n"
            "                             the fair-share tree, like Slurm's "
            "sshare -l\n"
            "  sim --topo SRC --jobs FILE [--accounts FILE] [--placement P]\n"
            "      [--ordering O] [--backfill easy|conservative|none] "
            "[--preempt M] [--out FILE]\n"
            "                             replay jobs in simulated time\n"
            "\n"
            "SRC is a built-in template name (see topo templates), 'hwloc' "
            "for this machine\n"
            "as hwloc sees it, or a file: gpusched JSON, nvidia-smi topo -m "
            "text, hwloc XML,\n"
            "Slurm topology.conf or gres.conf, detected from its content.\n"
            "Commands that read a topology also take:\n"
            "%s\n"
            "Options:\n"
            "  -h, --help                 show this help\n"
            "  -V, --version              show the version\n",
            cli_topo_options_help);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("gpusched %s (library %s)\n", GS_VERSION_STRING,
               gs_version_string());
        return 0;
    }
    if (!strcmp(cmd, "tour"))
        return cli_tour(argc - 1, argv + 1);
    if (!strcmp(cmd, "topo"))
        return cli_topo(argc - 1, argv + 1);
    if (!strcmp(cmd, "probe"))
        return cli_probe(argc - 1, argv + 1);
    if (!strcmp(cmd, "place"))
        return cli_place(argc - 1, argv + 1);
    if (!strcmp(cmd, "share"))
        return cli_share(argc - 1, argv + 1);
    if (!strcmp(cmd, "sim"))
        return cli_sim(argc - 1, argv + 1);
    fprintf(stderr, "gpusched: unknown command '%s' (try gpusched --help)\n",
            cmd);
    return 2;
}
