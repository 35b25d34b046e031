/*
 * Built-in templates. Each is written in the project's own JSON format
 * (docs/formats.md), so that the templates, user files and saved topologies
 * all go through one reader. Node templates are node descriptions; cluster
 * templates are whole documents.
 *
 * Bandwidths follow DESIGN §5: per-link NVLink bandwidth in GB/s, one
 * direction (NVLink 1: 20, NVLink 2-4: 25, NVLink 5: 50). Where a fact is
 * not public (PCIe levels hidden behind NV# in `nvidia-smi topo -m`), the
 * comment says what was assumed.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "common/json.h"
#include "topo/topo_impl.h"

#include <stdio.h>
#include <string.h>

typedef struct builtin_template {
    const char *name;
    const char *description;
    int is_cluster;
    const char *json;
} builtin_template;

/*
 * NVIDIA DGX-1 with Tesla P100 (2016). Public facts: 8x Tesla P100-SXM2-16GB
 * (compute capability 6.0, 56 SMs) in a hybrid cube-mesh; each P100 has 4
 * NVLink 1.0 links of 20 GB/s per direction, so every mesh edge is one link
 * (NV1); 2x Intel Xeon E5-2698 v4 (20 cores, 2 threads each), 512 GB DDR4.
 * GPUs sit in pairs on four PLX PCIe switches, two per CPU socket (the same
 * board as the DGX-1 V100: PIX within a pair, NODE across pairs of one
 * socket, SYS across sockets).
 */
static const char dgx1_p100[] =
    "{\"description\": \"NVIDIA DGX-1, 8x P100 SXM2, NVLink 1 hybrid cube-mesh\","
    " \"bandwidth\": {\"nvlink_per_link\": 20},"
    " \"numa\": [{\"cpus\": \"0-19,40-59\", \"memory\": \"256GiB\"},"
    "          {\"cpus\": \"20-39,60-79\", \"memory\": \"256GiB\"}],"
    " \"gpus\": {\"count\": 8, \"model\": \"Tesla P100-SXM2-16GB\","
    "          \"memory\": \"16GiB\", \"cc\": \"6.0\", \"sms\": 56,"
    "          \"numa\": [0, 0, 0, 0, 1, 1, 1, 1],"
    "          \"pci\": [\"0000:06:00.0\", \"0000:07:00.0\", \"0000:0a:00.0\","
    "                  \"0000:0b:00.0\", \"0000:85:00.0\", \"0000:86:00.0\","
    "                  \"0000:89:00.0\", \"0000:8a:00.0\"]},"
    " \"matrix\": [\"X   NV1 NV1 NV1 NV1 SYS SYS SYS\","
    "            \"NV1 X   NV1 NV1 SYS NV1 SYS SYS\","
    "            \"NV1 NV1 X   NV1 SYS SYS NV1 SYS\","
    "            \"NV1 NV1 NV1 X   SYS SYS SYS NV1\","
    "            \"NV1 SYS SYS SYS X   NV1 NV1 NV1\","
    "            \"SYS NV1 SYS SYS NV1 X   NV1 NV1\","
    "            \"SYS SYS NV1 SYS NV1 NV1 X   NV1\","
    "            \"SYS SYS SYS NV1 NV1 NV1 NV1 X\"],"
    " \"pcie\": [\"X    PIX  NODE NODE SYS  SYS  SYS  SYS\","
    "          \"PIX  X    NODE NODE SYS  SYS  SYS  SYS\","
    "          \"NODE NODE X    PIX  SYS  SYS  SYS  SYS\","
    "          \"NODE NODE PIX  X    SYS  SYS  SYS  SYS\","
    "          \"SYS  SYS  SYS  SYS  X    PIX  NODE NODE\","
    "          \"SYS  SYS  SYS  SYS  PIX  X    NODE NODE\","
    "          \"SYS  SYS  SYS  SYS  NODE NODE X    PIX\","
    "          \"SYS  SYS  SYS  SYS  NODE NODE PIX  X\"]}";

/*
 * NVIDIA DGX-1 with Tesla V100 (2017). Public facts: 8x Tesla V100-SXM2
 * (32 GB since 2018; compute capability 7.0, 80 SMs), 6 NVLink 2.0 links
 * per GPU at 25 GB/s per direction in a hybrid cube-mesh where some GPU
 * pairs have two links (NV2) and some one (NV1); the GPU cells match the
 * published `nvidia-smi topo -m` of a DGX-1 V100
 * (../shared/data/topo-m/dgx1-v100.txt). 2x Xeon E5-2698 v4, 512 GB. PCIe
 * as in the P100 model (pairs on PLX switches).
 */
static const char dgx1_v100[] =
    "{\"description\": \"NVIDIA DGX-1, 8x V100 SXM2, NVLink 2 hybrid cube-mesh\","
    " \"numa\": [{\"cpus\": \"0-19,40-59\", \"memory\": \"256GiB\"},"
    "          {\"cpus\": \"20-39,60-79\", \"memory\": \"256GiB\"}],"
    " \"gpus\": {\"count\": 8, \"model\": \"Tesla V100-SXM2-32GB\","
    "          \"memory\": \"32GiB\", \"cc\": \"7.0\", \"sms\": 80,"
    "          \"numa\": [0, 0, 0, 0, 1, 1, 1, 1],"
    "          \"pci\": [\"0000:06:00.0\", \"0000:07:00.0\", \"0000:0a:00.0\","
    "                  \"0000:0b:00.0\", \"0000:85:00.0\", \"0000:86:00.0\","
    "                  \"0000:89:00.0\", \"0000:8a:00.0\"]},"
    " \"matrix\": [\"X   NV1 NV1 NV2 NV2 SYS SYS SYS\","
    "            \"NV1 X   NV2 NV1 SYS NV2 SYS SYS\","
    "            \"NV1 NV2 X   NV2 SYS SYS NV1 SYS\","
    "            \"NV2 NV1 NV2 X   SYS SYS SYS NV1\","
    "            \"NV2 SYS SYS SYS X   NV1 NV1 NV2\","
    "            \"SYS NV2 SYS SYS NV1 X   NV2 NV1\","
    "            \"SYS SYS NV1 SYS NV1 NV2 X   NV2\","
    "            \"SYS SYS SYS NV1 NV2 NV1 NV2 X\"],"
    " \"pcie\": [\"X    PIX  NODE NODE SYS  SYS  SYS  SYS\","
    "          \"PIX  X    NODE NODE SYS  SYS  SYS  SYS\","
    "          \"NODE NODE X    PIX  SYS  SYS  SYS  SYS\","
    "          \"NODE NODE PIX  X    SYS  SYS  SYS  SYS\","
    "          \"SYS  SYS  SYS  SYS  X    PIX  NODE NODE\","
    "          \"SYS  SYS  SYS  SYS  PIX  X    NODE NODE\","
    "          \"SYS  SYS  SYS  SYS  NODE NODE X    PIX\","
    "          \"SYS  SYS  SYS  SYS  NODE NODE PIX  X\"]}";

/*
 * NVIDIA DGX-2 (2018). Public facts: 16x Tesla V100-SXM3-32GB (compute
 * capability 7.0, 80 SMs) on two baseboards joined through 12 NVSwitches;
 * every GPU has 6 NVLink 2.0 links into the fabric (NV6 for every pair,
 * 150 GB/s per direction); 2x Xeon Platinum 8168 (24 cores, 2 threads),
 * 1.5 TB. PCIe layout and bus ids follow the hwloc export of a DGX-2H
 * (open-mpi/hwloc tests, ../shared/data/hwloc/nvidia-dgx2h.xml): GPU pairs
 * share a PLX switch (PIX), four GPUs share the next switch up (PXB), eight
 * share a CPU socket (NODE).
 */
static const char dgx2[] =
    "{\"description\": \"NVIDIA DGX-2, 16x V100 SXM3, 12 NVSwitches\","
    " \"numa\": [{\"cpus\": \"0-23,48-71\", \"memory\": \"768GiB\"},"
    "          {\"cpus\": \"24-47,72-95\", \"memory\": \"768GiB\"}],"
    " \"gpus\": {\"count\": 16, \"model\": \"Tesla V100-SXM3-32GB\","
    "          \"memory\": \"32GiB\", \"cc\": \"7.0\", \"sms\": 80,"
    "          \"nvswitch_links\": 6,"
    "          \"numa\": [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1],"
    "          \"pci\": [\"0000:34:00.0\", \"0000:36:00.0\", \"0000:39:00.0\","
    "                  \"0000:3b:00.0\", \"0000:57:00.0\", \"0000:59:00.0\","
    "                  \"0000:5c:00.0\", \"0000:5e:00.0\", \"0000:b7:00.0\","
    "                  \"0000:b9:00.0\", \"0000:bc:00.0\", \"0000:be:00.0\","
    "                  \"0000:e0:00.0\", \"0000:e2:00.0\", \"0000:e5:00.0\","
    "                  \"0000:e7:00.0\"]},"
    " \"pcie\": ["
    "  \"X    PIX  PXB  PXB  NODE NODE NODE NODE SYS  SYS  SYS  SYS  SYS  SYS  SYS  SYS\","
    "  \"PIX  X    PXB  PXB  NODE NODE NODE NODE SYS  SYS  SYS  SYS  SYS  SYS  SYS  SYS\","
    "  \"PXB  PXB  X    PIX  NODE NODE NODE NODE SYS  SYS  SYS  SYS  SYS  SYS  SYS  SYS\","
    "  \"PXB  PXB  PIX  X    NODE NODE NODE NODE SYS  SYS  SYS  SYS  SYS  SYS  SYS  SYS\","
    "  \"NODE NODE NODE NODE X    PIX  PXB  PXB  SYS  SYS  SYS  SYS  SYS  SYS  SYS  SYS\","
    "  \"NODE NODE NODE NODE PIX  X    PXB  PXB  SYS  SYS  SYS  SYS  SYS  SYS  SYS  SYS\","
    "  \"NODE NODE NODE NODE PXB  PXB  X    PIX  SYS  SYS  SYS  SYS  SYS  SYS  SYS  SYS\","
    "  \"NODE NODE NODE NODE PXB  PXB  PIX  X    SYS  SYS  SYS  SYS  SYS  SYS  SYS  SYS\","
    "  \"SYS  SYS  SYS  SYS  SYS  SYS  SYS  SYS  X    PIX  PXB  PXB  NODE NODE NODE NODE\","
    "  \"SYS  SYS  SYS  SYS  SYS  SYS  SYS  SYS  PIX  X    PXB  PXB  NODE NODE NODE NODE\","
    "  \"SYS  SYS  SYS  SYS  SYS  SYS  SYS  SYS  PXB  PXB  X    PIX  NODE NODE NODE NODE\","
    "  \"SYS  SYS  SYS  SYS  SYS  SYS  SYS  SYS  PXB  PXB  PIX  X    NODE NODE NODE NODE\","
    "  \"SYS  SYS  SYS  SYS  SYS  SYS  SYS  SYS  NODE NODE NODE NODE X    PIX  PXB  PXB\","
    "  \"SYS  SYS  SYS  SYS  SYS  SYS  SYS  SYS  NODE NODE NODE NODE PIX  X    PXB  PXB\","
    "  \"SYS  SYS  SYS  SYS  SYS  SYS  SYS  SYS  NODE NODE NODE NODE PXB  PXB  X    PIX\","
    "  \"SYS  SYS  SYS  SYS  SYS  SYS  SYS  SYS  NODE NODE NODE NODE PXB  PXB  PIX  X\"]}";

/*
 * NVIDIA DGX A100 (2020, 640 GB model). Public facts: 8x A100-SXM4-80GB
 * (compute capability 8.0, 108 SMs), 6 NVSwitches, 12 NVLink 3 links per
 * GPU at 25 GB/s per direction (NV12 for every pair, 300 GB/s); 2x AMD EPYC
 * 7742 (64 cores, 2 threads) configured with 4 NUMA domains per socket,
 * 2 TB. GPU NUMA affinity as the DGX A100 user guide lists it: GPU0-1 on
 * NUMA 3, GPU2-3 on 1, GPU4-5 on 7, GPU6-7 on 5. Assumed: GPUs of one NUMA
 * domain share a PCIe switch tree (PXB), others are SYS apart.
 */
static const char dgx_a100[] =
    "{\"description\": \"NVIDIA DGX A100, 8x A100 SXM4 80GB, 6 NVSwitches\","
    " \"numa\": [{\"cpus\": \"0-15,128-143\", \"memory\": \"256GiB\"},"
    "          {\"cpus\": \"16-31,144-159\", \"memory\": \"256GiB\"},"
    "          {\"cpus\": \"32-47,160-175\", \"memory\": \"256GiB\"},"
    "          {\"cpus\": \"48-63,176-191\", \"memory\": \"256GiB\"},"
    "          {\"cpus\": \"64-79,192-207\", \"memory\": \"256GiB\"},"
    "          {\"cpus\": \"80-95,208-223\", \"memory\": \"256GiB\"},"
    "          {\"cpus\": \"96-111,224-239\", \"memory\": \"256GiB\"},"
    "          {\"cpus\": \"112-127,240-255\", \"memory\": \"256GiB\"}],"
    " \"gpus\": {\"count\": 8, \"model\": \"NVIDIA A100-SXM4-80GB\","
    "          \"memory\": \"80GiB\", \"cc\": \"8.0\", \"sms\": 108,"
    "          \"nvswitch_links\": 12,"
    "          \"numa\": [3, 3, 1, 1, 7, 7, 5, 5],"
    "          \"pci\": [\"0000:07:00.0\", \"0000:0f:00.0\", \"0000:47:00.0\","
    "                  \"0000:4e:00.0\", \"0000:87:00.0\", \"0000:90:00.0\","
    "                  \"0000:b7:00.0\", \"0000:bd:00.0\"]},"
    " \"pcie\": [\"X   PXB SYS SYS SYS SYS SYS SYS\","
    "          \"PXB X   SYS SYS SYS SYS SYS SYS\","
    "          \"SYS SYS X   PXB SYS SYS SYS SYS\","
    "          \"SYS SYS PXB X   SYS SYS SYS SYS\","
    "          \"SYS SYS SYS SYS X   PXB SYS SYS\","
    "          \"SYS SYS SYS SYS PXB X   SYS SYS\","
    "          \"SYS SYS SYS SYS SYS SYS X   PXB\","
    "          \"SYS SYS SYS SYS SYS SYS PXB X\"]}";

/*
 * NVIDIA DGX H100 (2022). Public facts: 8x H100 80GB HBM3 SXM5 (compute
 * capability 9.0, 132 SMs), 4 NVSwitch chips, 18 NVLink 4 links per GPU at
 * 25 GB/s per direction (NV18, 450 GB/s); 2x Xeon Platinum 8480C (56 cores,
 * 2 threads), 2 TB; GPU0-3 on socket 0, GPU4-7 on socket 1. Assumed: each
 * GPU is on its own PCIe switch, so GPUs of one socket are NODE apart.
 */
static const char dgx_h100[] =
    "{\"description\": \"NVIDIA DGX H100, 8x H100 SXM5 80GB, 4 NVSwitches\","
    " \"numa\": [{\"cpus\": \"0-55,112-167\", \"memory\": \"1TiB\"},"
    "          {\"cpus\": \"56-111,168-223\", \"memory\": \"1TiB\"}],"
    " \"gpus\": {\"count\": 8, \"model\": \"NVIDIA H100 80GB HBM3\","
    "          \"memory\": \"80GiB\", \"cc\": \"9.0\", \"sms\": 132,"
    "          \"nvswitch_links\": 18,"
    "          \"numa\": [0, 0, 0, 0, 1, 1, 1, 1],"
    "          \"pci\": [\"0000:1b:00.0\", \"0000:43:00.0\", \"0000:52:00.0\","
    "                  \"0000:61:00.0\", \"0000:9d:00.0\", \"0000:c3:00.0\","
    "                  \"0000:d1:00.0\", \"0000:df:00.0\"]}}";

/*
 * NVIDIA HGX B200 (2024) in a two-socket host such as the DGX B200. Public
 * facts: 8x B200 (compute capability 10.0, 148 SMs, 180 GB HBM3e each,
 * 1.44 TB in all), 2 NVSwitch chips, 18 NVLink 5 links per GPU at 50 GB/s
 * per direction (NV18, 900 GB/s); DGX B200 host: 2x Xeon Platinum 8570
 * (56 cores, 2 threads), 2 TB. PCIe as in the H100 model (assumed).
 */
static const char hgx_b200[] =
    "{\"description\": \"NVIDIA HGX B200, 8x B200 180GB, NVLink 5 switch\","
    " \"bandwidth\": {\"nvlink_per_link\": 50},"
    " \"numa\": [{\"cpus\": \"0-55,112-167\", \"memory\": \"1TiB\"},"
    "          {\"cpus\": \"56-111,168-223\", \"memory\": \"1TiB\"}],"
    " \"gpus\": {\"count\": 8, \"model\": \"NVIDIA B200\","
    "          \"memory\": \"180GB\", \"cc\": \"10.0\", \"sms\": 148,"
    "          \"nvswitch_links\": 18,"
    "          \"numa\": [0, 0, 0, 0, 1, 1, 1, 1]}}";

/*
 * One compute tray of a GB200 NVL72 rack. Public facts: 2 Grace CPUs (72 Arm
 * Neoverse V2 cores each, no SMT, up to 480 GB LPDDR5X each) and 4 B200 GPUs
 * (compute capability 10.0, 148 SMs, 186 GB HBM3e each: 13.4 TB per 72
 * GPUs); each Grace drives two GPUs over NVLink-C2C; each GPU has 18 NVLink 5
 * links at 50 GB/s per direction into the rack's NVLink switch trays.
 * Assumed: GPUs of one Grace are NODE apart in PCIe terms, SYS otherwise.
 */
static const char gb200_tray[] =
    "{\"description\": \"GB200 NVL72 compute tray: 2x Grace, 4x B200\","
    " \"bandwidth\": {\"nvlink_per_link\": 50},"
    " \"numa\": [{\"cpus\": \"0-71\", \"memory\": \"480GB\"},"
    "          {\"cpus\": \"72-143\", \"memory\": \"480GB\"}],"
    " \"gpus\": {\"count\": 4, \"model\": \"NVIDIA GB200\","
    "          \"memory\": \"186GB\", \"cc\": \"10.0\", \"sms\": 148,"
    "          \"nvswitch_links\": 18, \"numa\": [0, 0, 1, 1]}}";

/*
 * GB200 NVL72 (2024): 18 compute trays of the tray above, all 72 GPUs in one
 * NVLink domain through 9 NVLink switch trays (900 GB/s per GPU per
 * direction between any two GPUs of the rack).
 */
static const char gb200_nvl72[] =
    "{\"gpusched\": 1,"
    " \"description\": \"GB200 NVL72 rack: 18 trays x 4 GPUs, one NVLink domain\","
    " \"nodes\": [{\"name\": \"nvl72-tray[01-18]\", \"template\": \"gb200-tray\","
    "              \"nvlink_domain\": \"nvl72\"}]}";

/*
 * A common 8-GPU PCIe server: 8x NVIDIA L40S (compute capability 8.9,
 * 142 SMs, 48 GB) without NVLink, two sockets of 32 cores (2 threads), and a
 * two-level PCIe switch tree per socket: GPU pairs share a leaf switch
 * (PIX), the four GPUs of a socket share the upper switch (PXB).
 */
static const char pcie_8gpu[] =
    "{\"description\": \"8x L40S PCIe server, two sockets, PCIe switches\","
    " \"numa\": [{\"cpus\": \"0-31,64-95\", \"memory\": \"256GiB\"},"
    "          {\"cpus\": \"32-63,96-127\", \"memory\": \"256GiB\"}],"
    " \"gpus\": {\"count\": 8, \"model\": \"NVIDIA L40S\","
    "          \"memory\": \"48GiB\", \"cc\": \"8.9\", \"sms\": 142,"
    "          \"numa\": [0, 0, 0, 0, 1, 1, 1, 1]},"
    " \"matrix\": [\"X   PIX PXB PXB SYS SYS SYS SYS\","
    "            \"PIX X   PXB PXB SYS SYS SYS SYS\","
    "            \"PXB PXB X   PIX SYS SYS SYS SYS\","
    "            \"PXB PXB PIX X   SYS SYS SYS SYS\","
    "            \"SYS SYS SYS SYS X   PIX PXB PXB\","
    "            \"SYS SYS SYS SYS PIX X   PXB PXB\","
    "            \"SYS SYS SYS SYS PXB PXB X   PIX\","
    "            \"SYS SYS SYS SYS PXB PXB PIX X\"]}";

/*
 * A workstation with two NVIDIA RTX A6000 (compute capability 8.6, 84 SMs,
 * 48 GB) joined by an NVLink bridge: 4 links, 112.5 GB/s both directions
 * together (NVIDIA's figure), so 56.25 GB/s per direction; one 16-core CPU
 * (2 threads) whose root ports hold both cards (PHB).
 */
static const char workstation_2gpu_nvlink[] =
    "{\"description\": \"Workstation, 2x RTX A6000 with an NVLink bridge\","
    " \"numa\": [{\"cpus\": \"0-31\", \"memory\": \"128GiB\"}],"
    " \"gpus\": {\"count\": 2, \"model\": \"NVIDIA RTX A6000\","
    "          \"memory\": \"48GiB\", \"cc\": \"8.6\", \"sms\": 84,"
    "          \"numa\": 0},"
    " \"matrix\": [\"X NV4\", \"NV4 X\"],"
    " \"pcie\": [\"X PHB\", \"PHB X\"],"
    " \"links\": [{\"gpus\": [0, 1], \"bandwidth\": 56.25}]}";

static const builtin_template templates[] = {
    {"dgx1-p100", "NVIDIA DGX-1, 8x P100, NVLink 1 hybrid cube-mesh", 0,
     dgx1_p100},
    {"dgx1-v100", "NVIDIA DGX-1, 8x V100, NVLink 2 hybrid cube-mesh", 0,
     dgx1_v100},
    {"dgx2", "NVIDIA DGX-2, 16x V100 on 12 NVSwitches", 0, dgx2},
    {"dgx-a100", "NVIDIA DGX A100, 8x A100 80GB on 6 NVSwitches", 0, dgx_a100},
    {"dgx-h100", "NVIDIA DGX H100, 8x H100 on 4 NVSwitches", 0, dgx_h100},
    {"hgx-b200", "NVIDIA HGX B200, 8x B200 on NVLink 5 switches", 0, hgx_b200},
    {"gb200-tray", "GB200 NVL72 compute tray: 2x Grace, 4x B200", 0,
     gb200_tray},
    {"gb200-nvl72", "GB200 NVL72: 18 trays x 4 GPUs in one NVLink domain", 1,
     gb200_nvl72},
    {"pcie-8gpu", "8x L40S over PCIe switches, two sockets", 0, pcie_8gpu},
    {"workstation-2gpu-nvlink", "2x RTX A6000 with an NVLink bridge", 0,
     workstation_2gpu_nvlink},
};

GS_API size_t gs_template_count(void) { return GS_ARRAY_LEN(templates); }

GS_API const char *gs_template_name(size_t i)
{
    return i < GS_ARRAY_LEN(templates) ? templates[i].name : NULL;
}

GS_API const char *gs_template_description(size_t i)
{
    return i < GS_ARRAY_LEN(templates) ? templates[i].description : NULL;
}

GS_API int gs_template_is_cluster(size_t i)
{
    return i < GS_ARRAY_LEN(templates) ? templates[i].is_cluster : -1;
}

GS_API const char *gs_template_json(size_t i)
{
    return i < GS_ARRAY_LEN(templates) ? templates[i].json : NULL;
}

const char *gs_template_find(const char *name, int *is_cluster)
{
    for (size_t i = 0; i < GS_ARRAY_LEN(templates); i++)
        if (strcmp(templates[i].name, name) == 0) {
            if (is_cluster)
                *is_cluster = templates[i].is_cluster;
            return templates[i].json;
        }
    return NULL;
}

gs_status gs_template_build(gs_topo *t, const char *name, gs_ntype **out,
                            gs_err *err)
{
    *out = NULL;
    int is_cluster = 0;
    const char *json = gs_template_find(name, &is_cluster);
    if (!json)
        return gs_errf(err, GS_ENOTFOUND, "no template named \"%.64s\"", name);
    if (is_cluster)
        return gs_errf(err, GS_EINVAL,
                       "template \"%s\" describes a whole cluster, not a node",
                       name);
    char src[GS_MAX_NAME + 16];
    snprintf(src, sizeof src, "template:%s", name);
    json_doc doc;
    gs_status st = json_parse(&doc, json, strlen(json), src, err);
    if (st != GS_OK)
        return st;
    st = gs_json_build_type(t, doc.root, src, out, err);
    json_doc_free(&doc);
    if (st == GS_OK) {
        (*out)->origin = gs_intern(&t->strings, name, strlen(name));
        if (!(*out)->origin) {
            gs_ntype_unref(*out);
            *out = NULL;
            return gs_errf(err, GS_ENOMEM, "out of memory");
        }
    }
    return st;
}
