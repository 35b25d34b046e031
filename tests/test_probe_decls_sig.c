/*
 * The signatures of lib/probe/cuda_decls.h and lib/probe/nvml_decls.h against the
 * CUDA toolkit's cuda.h and nvml.h, when they are installed (the build
 * never needs them). Our type names are mapped onto the toolkit's with
 * macros before our header is read, so its function pointer types spell
 * the toolkit's types; _Generic then checks at compile time that each
 * real function has exactly that type: a difference fails the build.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stddef.h>

int gs_decls_signatures_checked(void);

#define SAME_TYPE(fn, type) _Generic(&(fn), type: 1, default: 0)

#if defined(GS_HAVE_CUDA_H)
#include <cuda.h>
#define GS_CUDA_DECLS_EXTERNAL_TYPES
#define gs_cu_result CUresult
#define gs_cu_device CUdevice
#define gs_cu_device_attribute CUdevice_attribute
#define gs_cu_p2p_attribute CUdevice_P2PAttribute
#define gs_cu_uuid CUuuid
#include "probe/cuda_decls.h"
_Static_assert(SAME_TYPE(cuInit, gs_cu_init_fn), "cuInit");
_Static_assert(SAME_TYPE(cuDriverGetVersion, gs_cu_driver_get_version_fn),
               "cuDriverGetVersion");
_Static_assert(SAME_TYPE(cuDeviceGetCount, gs_cu_device_get_count_fn),
               "cuDeviceGetCount");
_Static_assert(SAME_TYPE(cuDeviceGet, gs_cu_device_get_fn), "cuDeviceGet");
_Static_assert(SAME_TYPE(cuDeviceGetName, gs_cu_device_get_name_fn),
               "cuDeviceGetName");
_Static_assert(SAME_TYPE(cuDeviceGetUuid_v2, gs_cu_device_get_uuid_fn),
               "cuDeviceGetUuid_v2");
_Static_assert(SAME_TYPE(cuDeviceTotalMem_v2, gs_cu_device_total_mem_fn),
               "cuDeviceTotalMem_v2");
_Static_assert(SAME_TYPE(cuDeviceGetAttribute, gs_cu_device_get_attribute_fn),
               "cuDeviceGetAttribute");
_Static_assert(SAME_TYPE(cuDeviceGetP2PAttribute,
                         gs_cu_device_get_p2p_attribute_fn),
               "cuDeviceGetP2PAttribute");
_Static_assert(SAME_TYPE(cuGetErrorName, gs_cu_get_error_text_fn),
               "cuGetErrorName");
_Static_assert(SAME_TYPE(cuGetErrorString, gs_cu_get_error_text_fn),
               "cuGetErrorString");
#define GS_CHECKED_CUDA 1
#else
#define GS_CHECKED_CUDA 0
#endif

#if defined(GS_HAVE_NVML_H)
#include <nvml.h>
#define GS_NVML_DECLS_EXTERNAL_TYPES
#define gs_nvml_return nvmlReturn_t
#define gs_nvml_enable_state nvmlEnableState_t
#define gs_nvml_nvlink_device_type nvmlIntNvLinkDeviceType_t
#define gs_nvml_topology_level nvmlGpuTopologyLevel_t
#define gs_nvml_p2p_caps_index nvmlGpuP2PCapsIndex_t
#define gs_nvml_p2p_status nvmlGpuP2PStatus_t
#define gs_nvml_device nvmlDevice_t
#define gs_nvml_pci_info nvmlPciInfo_t
#include "probe/nvml_decls.h"
_Static_assert(SAME_TYPE(nvmlInit_v2, gs_nvml_init_fn), "nvmlInit_v2");
_Static_assert(SAME_TYPE(nvmlShutdown, gs_nvml_shutdown_fn), "nvmlShutdown");
_Static_assert(SAME_TYPE(nvmlErrorString, gs_nvml_error_string_fn),
               "nvmlErrorString");
_Static_assert(SAME_TYPE(nvmlSystemGetDriverVersion,
                         gs_nvml_system_get_driver_version_fn),
               "nvmlSystemGetDriverVersion");
_Static_assert(SAME_TYPE(nvmlDeviceGetCount_v2, gs_nvml_device_get_count_fn),
               "nvmlDeviceGetCount_v2");
_Static_assert(SAME_TYPE(nvmlDeviceGetHandleByIndex_v2,
                         gs_nvml_device_get_handle_by_index_fn),
               "nvmlDeviceGetHandleByIndex_v2");
_Static_assert(SAME_TYPE(nvmlDeviceGetPciInfo_v3,
                         gs_nvml_device_get_pci_info_fn),
               "nvmlDeviceGetPciInfo_v3");
_Static_assert(SAME_TYPE(nvmlDeviceGetUUID, gs_nvml_device_get_uuid_fn),
               "nvmlDeviceGetUUID");
_Static_assert(SAME_TYPE(nvmlDeviceGetNvLinkState,
                         gs_nvml_device_get_nvlink_state_fn),
               "nvmlDeviceGetNvLinkState");
_Static_assert(SAME_TYPE(nvmlDeviceGetNvLinkRemotePciInfo_v2,
                         gs_nvml_device_get_nvlink_remote_pci_info_fn),
               "nvmlDeviceGetNvLinkRemotePciInfo_v2");
_Static_assert(SAME_TYPE(nvmlDeviceGetNvLinkRemoteDeviceType,
                         gs_nvml_device_get_nvlink_remote_device_type_fn),
               "nvmlDeviceGetNvLinkRemoteDeviceType");
_Static_assert(SAME_TYPE(nvmlDeviceGetTopologyCommonAncestor,
                         gs_nvml_device_get_topology_common_ancestor_fn),
               "nvmlDeviceGetTopologyCommonAncestor");
_Static_assert(SAME_TYPE(nvmlDeviceGetMigMode,
                         gs_nvml_device_get_mig_mode_fn),
               "nvmlDeviceGetMigMode");
_Static_assert(SAME_TYPE(nvmlDeviceGetP2PStatus,
                         gs_nvml_device_get_p2p_status_fn),
               "nvmlDeviceGetP2PStatus");
#define GS_CHECKED_NVML 2
#else
#define GS_CHECKED_NVML 0
#endif

/* Which headers were checked: 1 cuda.h, 2 nvml.h. */
int gs_decls_signatures_checked(void)
{
    return GS_CHECKED_CUDA | GS_CHECKED_NVML;
}
