/*
 * A scripted machine for the fake CUDA driver and the fake NVML
 * (tests/fake/fake_cuda.c, fake_nvml.c). Both libraries read the file
 * named by GPUSCHED_FAKE_MACHINE each time they are initialized; the
 * format is documented in docs/probe.md ("Machine scripts") and in
 * tests/data/probe/README.md.
 *
 * This is test code: a malformed script stops the process with a message
 * (the tests must not run on a machine they did not mean to describe).
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_FAKE_MACHINE_H
#define GS_FAKE_MACHINE_H

#include <stdbool.h>
#include <stddef.h>

#define FM_MAX_GPUS 64
#define FM_MAX_SWITCHES 64
#define FM_MAX_PORTS 40
#define FM_MAX_OVERRIDES 16
#define FM_MAX_FAILS 16

#if defined(__GNUC__)
#  define FAKE_API __attribute__((visibility("default")))
#else
#  define FAKE_API
#endif

/* What is at the far end of an NVLink port. */
enum { FM_END_GPU = 0, FM_END_CPU = 1, FM_END_SWITCH = 2, FM_END_UNKNOWN = 3 };

typedef struct fm_port {
    int end;    /* FM_END_* */
    int target; /* GPU or switch index */
    bool up;    /* active */
} fm_port;

/* One MIG device (a compute instance) of a GPU in MIG mode: its GPU
 * instance, that instance's profile id and placement, its UUID. */
typedef struct fm_mig {
    unsigned gi, profile_id, start, size;
    char uuid[96];
} fm_mig;

typedef struct fm_gpu {
    char id[32];
    char name[300];
    bool name_unterminated; /* fill the caller's buffer with no NUL */
    unsigned char uuid[16];
    char uuid_text[48];
    long long dom, bus, dev; /* PCI address as given (may be absurd) */
    unsigned long long mem;
    int cc_major, cc_minor, sms, board, group;
    int mig, mig_pending; /* -1: MIG not supported */
    fm_mig migs[16];      /* mig-device lines, in NVML's index order */
    int n_migs;
    bool vanish;          /* counted, but gone when queried */
    bool nvml_lost;       /* NVML cannot open it (GPU is lost) */
    int over_attr[FM_MAX_OVERRIDES], over_value[FM_MAX_OVERRIDES];
    int n_over;
    fm_port ports[FM_MAX_PORTS];
    int n_ports;
} fm_gpu;

typedef struct fm_switch {
    char id[32];
    long long dom, bus, dev;
} fm_switch;

typedef struct fm_fail {
    char fn[64];
    int err;
    int after;
    int calls;
} fm_fail;

typedef struct fm_machine {
    bool loaded;
    char path[1024];
    long long mtime_ns, size; /* of the script when it was read */
    int driver;              /* cuDriverGetVersion */
    char nvml_driver[96];    /* nvmlSystemGetDriverVersion */
    bool nvml_off;           /* nvmlInit fails (driver not loaded) */
    bool cuda_count_set;
    long long cuda_count;    /* cuDeviceGetCount override */
    bool nvml_count_set;
    long long nvml_count;    /* nvmlDeviceGetCount override */
    fm_gpu gpus[FM_MAX_GPUS];
    int n_gpus;
    fm_switch sw[FM_MAX_SWITCHES];
    int n_sw;
    int nvml_order[FM_MAX_GPUS]; /* NVML index -> GPU */
    int pcie[FM_MAX_GPUS][FM_MAX_GPUS]; /* NVML level value, -2 default */
    int pcie_default; /* NVML level value, or -1: not supported */
    int access[FM_MAX_GPUS][FM_MAX_GPUS];  /* -2: default */
    int atomics[FM_MAX_GPUS][FM_MAX_GPUS]; /* -2: default */
    int rank[FM_MAX_GPUS][FM_MAX_GPUS];    /* -2: default */
    int nvlink_p2p[FM_MAX_GPUS][FM_MAX_GPUS]; /* -2: default */
    fm_fail fails[FM_MAX_FAILS];
    int n_fails;
    char lacks[8][64]; /* functions that answer "not found / supported" */
    int n_lacks;
} fm_machine;

/* (Re)load the script named by GPUSCHED_FAKE_MACHINE into m. Returns
 * false when the variable is not set (an empty machine). */
bool fm_load(fm_machine *m);
/* Whether GPUSCHED_FAKE_MACHINE names another script than the one loaded,
 * or the file changed since. */
bool fm_stale(const fm_machine *m);
/* Start counting the calls of fail lines again. */
void fm_reset_fails(fm_machine *m);
/* The error a call of fn must return now (counting the call), or 0. */
int fm_fail_now(fm_machine *m, const char *fn);
/* Whether the script says the library lacks fn. */
bool fm_lacks(const fm_machine *m, const char *fn);
/* Direct NVLinks between GPUs a and b as a's ports count them. */
int fm_direct_links(const fm_machine *m, int a, int b);
/* Whether GPU g has ports into NVSwitches. */
bool fm_on_switch(const fm_machine *m, int g);

#endif
