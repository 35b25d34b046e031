/*
 * The few NVML types, values and entry points the device probe uses
 * (lib/probe_nvml.c), declared by gpusched itself so that building needs
 * no CUDA toolkit or NVML headers. Values are those of NVML's public ABI
 * (NVIDIA's NVML API reference); names carry our own prefix so that this
 * header and nvml.h can be included together. tests/test_probe_decls.c
 * checks values, the layout of the PCI info struct and the signatures
 * against nvml.h where it is installed (skipped otherwise), the same way
 * as for lib/cuda_decls.h.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_NVML_DECLS_H
#define GS_NVML_DECLS_H

#if !defined(GS_NVML_DECLS_EXTERNAL_TYPES)
/* nvmlReturn_t and the other NVML enums: int-sized values. */
typedef int gs_nvml_return;
typedef int gs_nvml_enable_state;
typedef int gs_nvml_nvlink_device_type;
typedef int gs_nvml_topology_level;
typedef int gs_nvml_p2p_caps_index;
typedef int gs_nvml_p2p_status;
/* nvmlDevice_t: an opaque pointer. */
typedef struct gs_nvml_device_st *gs_nvml_device;
/* nvmlPciInfo_t (the layout of the _v2/_v3 entry points). */
typedef struct gs_nvml_pci_info {
    char bus_id_legacy[16];   /* "dddd:bb:dd.f" */
    unsigned int domain;
    unsigned int bus;
    unsigned int device;
    unsigned int pci_device_id;  /* device id << 16 | vendor id */
    unsigned int pci_subsystem_id;
    char bus_id[32];          /* "dddddddd:bb:dd.f" */
} gs_nvml_pci_info;
/* nvmlGpuInstance_t: an opaque pointer. */
typedef struct gs_nvml_gpu_instance_st *gs_nvml_gpu_instance;
/* nvmlGpuInstancePlacement_t and nvmlGpuInstanceInfo_t. */
typedef struct gs_nvml_gpu_instance_placement {
    unsigned int start; /* first memory slot */
    unsigned int size;  /* memory slots */
} gs_nvml_gpu_instance_placement;
typedef struct gs_nvml_gpu_instance_info {
    gs_nvml_device device;
    unsigned int id;         /* the GPU instance's id on its GPU */
    unsigned int profile_id; /* the profile's id (nvidia-smi mig -lgip) */
    gs_nvml_gpu_instance_placement placement;
} gs_nvml_gpu_instance_info;
#endif

/* nvmlReturn_t values the probe tells apart. */
enum {
    GS_NVML_SUCCESS = 0,
    GS_NVML_ERROR_UNINITIALIZED = 1,
    GS_NVML_ERROR_INVALID_ARGUMENT = 2,
    GS_NVML_ERROR_NOT_SUPPORTED = 3,
    GS_NVML_ERROR_NO_PERMISSION = 4,
    GS_NVML_ERROR_NOT_FOUND = 6,
    GS_NVML_ERROR_INSUFFICIENT_SIZE = 7,
    GS_NVML_ERROR_DRIVER_NOT_LOADED = 9,
    GS_NVML_ERROR_FUNCTION_NOT_FOUND = 13,
    GS_NVML_ERROR_GPU_IS_LOST = 15,
    GS_NVML_ERROR_UNKNOWN = 999
};

/* nvmlEnableState_t */
enum { GS_NVML_FEATURE_DISABLED = 0, GS_NVML_FEATURE_ENABLED = 1 };

/* nvmlIntNvLinkDeviceType_t: what is at the far end of an NVLink. */
enum {
    GS_NVML_NVLINK_DEVICE_TYPE_GPU = 0,
    GS_NVML_NVLINK_DEVICE_TYPE_IBMNPU = 1,
    GS_NVML_NVLINK_DEVICE_TYPE_SWITCH = 2,
    GS_NVML_NVLINK_DEVICE_TYPE_UNKNOWN = 0xFF
};

/* nvmlGpuTopologyLevel_t: the PCIe common ancestor of two GPUs. */
enum {
    GS_NVML_TOPOLOGY_INTERNAL = 0,
    GS_NVML_TOPOLOGY_SINGLE = 10,
    GS_NVML_TOPOLOGY_MULTIPLE = 20,
    GS_NVML_TOPOLOGY_HOSTBRIDGE = 30,
    GS_NVML_TOPOLOGY_NODE = 40,
    GS_NVML_TOPOLOGY_SYSTEM = 50
};

/* nvmlGpuP2PCapsIndex_t and nvmlGpuP2PStatus_t (the values we use). */
enum { GS_NVML_P2P_CAPS_INDEX_NVLINK = 2 };
enum { GS_NVML_P2P_STATUS_OK = 0 };

/* MIG modes (NVML_DEVICE_MIG_DISABLE / _ENABLE). */
enum { GS_NVML_DEVICE_MIG_DISABLE = 0, GS_NVML_DEVICE_MIG_ENABLE = 1 };

/* Buffer sizes NVML documents as large enough. */
enum {
    GS_NVML_DEVICE_UUID_V2_BUFFER_SIZE = 96,
    GS_NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE = 80
};

/* Links per GPU NVML can report (NVML_NVLINK_MAX_LINKS: 6 in NVML 9, 12
 * in NVML 11, 18 since NVML 12). Asking for a link a GPU does not have
 * gives NVML_ERROR_INVALID_ARGUMENT, so the probe asks up to a bound of
 * its own, above every GPU so far (B200: 18). */
#define GS_NVML_PROBE_MAX_LINKS 32u

/* Entry points, by the exported symbol the probe resolves. */
typedef gs_nvml_return (*gs_nvml_init_fn)(void);
typedef gs_nvml_return (*gs_nvml_shutdown_fn)(void);
typedef const char *(*gs_nvml_error_string_fn)(gs_nvml_return result);
typedef gs_nvml_return (*gs_nvml_system_get_driver_version_fn)(
    char *version, unsigned int length);
typedef gs_nvml_return (*gs_nvml_device_get_count_fn)(unsigned int *count);
typedef gs_nvml_return (*gs_nvml_device_get_handle_by_index_fn)(
    unsigned int index, gs_nvml_device *device);
typedef gs_nvml_return (*gs_nvml_device_get_pci_info_fn)(
    gs_nvml_device device, gs_nvml_pci_info *pci);
typedef gs_nvml_return (*gs_nvml_device_get_uuid_fn)(gs_nvml_device device,
                                                     char *uuid,
                                                     unsigned int length);
typedef gs_nvml_return (*gs_nvml_device_get_nvlink_state_fn)(
    gs_nvml_device device, unsigned int link,
    gs_nvml_enable_state *is_active);
typedef gs_nvml_return (*gs_nvml_device_get_nvlink_remote_pci_info_fn)(
    gs_nvml_device device, unsigned int link, gs_nvml_pci_info *pci);
typedef gs_nvml_return (*gs_nvml_device_get_nvlink_remote_device_type_fn)(
    gs_nvml_device device, unsigned int link,
    gs_nvml_nvlink_device_type *type);
typedef gs_nvml_return (*gs_nvml_device_get_topology_common_ancestor_fn)(
    gs_nvml_device device1, gs_nvml_device device2,
    gs_nvml_topology_level *path_info);
typedef gs_nvml_return (*gs_nvml_device_get_mig_mode_fn)(
    gs_nvml_device device, unsigned int *current_mode,
    unsigned int *pending_mode);
/* MIG devices (one per compute instance) of a GPU, and their GPU
 * instances. */
typedef gs_nvml_return (*gs_nvml_device_get_max_mig_device_count_fn)(
    gs_nvml_device device, unsigned int *count);
typedef gs_nvml_return (*gs_nvml_device_get_mig_device_handle_by_index_fn)(
    gs_nvml_device device, unsigned int index, gs_nvml_device *mig_device);
typedef gs_nvml_return (*gs_nvml_device_get_gpu_instance_id_fn)(
    gs_nvml_device device, unsigned int *id);
typedef gs_nvml_return (*gs_nvml_device_get_gpu_instance_by_id_fn)(
    gs_nvml_device device, unsigned int id,
    gs_nvml_gpu_instance *gpu_instance);
typedef gs_nvml_return (*gs_nvml_gpu_instance_get_info_fn)(
    gs_nvml_gpu_instance gpu_instance, gs_nvml_gpu_instance_info *info);
typedef gs_nvml_return (*gs_nvml_device_get_p2p_status_fn)(
    gs_nvml_device device1, gs_nvml_device device2,
    gs_nvml_p2p_caps_index index, gs_nvml_p2p_status *status);

#endif
