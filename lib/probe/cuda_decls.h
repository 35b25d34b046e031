/*
 * The few CUDA driver API types, values and entry points the device probe
 * uses (lib/probe_cuda.c), declared by gpusched itself so that building
 * needs no CUDA toolkit. Values are those of the driver API's public ABI,
 * taken from NVIDIA's CUDA driver API reference; names carry our own
 * prefix so that this header and the toolkit's cuda.h can be included
 * together. tests/test_probe_decls.c checks every value, size and
 * signature against cuda.h where the toolkit is installed.
 *
 * The types live in a block that a test can skip (GS_CUDA_DECLS_EXTERNAL_
 * TYPES) after mapping our type names onto cuda.h's with macros: the
 * function pointer types below then spell cuda.h's signatures, and
 * _Generic checks that the real functions have exactly those types.
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef GS_CUDA_DECLS_H
#define GS_CUDA_DECLS_H

#include <stddef.h>

#if !defined(GS_CUDA_DECLS_EXTERNAL_TYPES)
/* CUresult: an enum in cuda.h, passed as an int-sized value. */
typedef int gs_cu_result;
/* CUdevice: an int handle (the ordinal on every driver so far). */
typedef int gs_cu_device;
/* CUdevice_attribute and CUdevice_P2PAttribute: enums. */
typedef int gs_cu_device_attribute;
typedef int gs_cu_p2p_attribute;
/* CUuuid: 16 raw bytes. */
typedef struct gs_cu_uuid {
    char bytes[16];
} gs_cu_uuid;
#endif

/* CUresult values the probe tells apart (cudaError_enum). */
enum {
    GS_CUDA_SUCCESS = 0,
    GS_CUDA_ERROR_INVALID_VALUE = 1,
    GS_CUDA_ERROR_OUT_OF_MEMORY = 2,
    GS_CUDA_ERROR_NOT_INITIALIZED = 3,
    GS_CUDA_ERROR_DEINITIALIZED = 4,
    GS_CUDA_ERROR_NO_DEVICE = 100,
    GS_CUDA_ERROR_INVALID_DEVICE = 101,
    GS_CUDA_ERROR_OPERATING_SYSTEM = 304,
    GS_CUDA_ERROR_NOT_FOUND = 500,
    GS_CUDA_ERROR_NOT_SUPPORTED = 801,
    GS_CUDA_ERROR_SYSTEM_DRIVER_MISMATCH = 803,
    GS_CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE = 804,
    GS_CUDA_ERROR_UNKNOWN = 999
};

/* CUdevice_attribute values the probe reads. */
enum {
    GS_CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16,
    GS_CU_DEVICE_ATTRIBUTE_PCI_BUS_ID = 33,
    GS_CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID = 34,
    GS_CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID = 50,
    GS_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
    GS_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
    GS_CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD = 84,
    GS_CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD_GROUP_ID = 85
};

/* CUdevice_P2PAttribute values. */
enum {
    GS_CU_DEVICE_P2P_ATTRIBUTE_PERFORMANCE_RANK = 1,
    GS_CU_DEVICE_P2P_ATTRIBUTE_ACCESS_SUPPORTED = 2,
    GS_CU_DEVICE_P2P_ATTRIBUTE_NATIVE_ATOMIC_SUPPORTED = 3
};

/* Entry points, by the exported symbol the probe resolves. The driver
 * keeps old ABIs under the plain names and exports newer ones with a
 * suffix: cuDeviceTotalMem_v2 takes a size_t (the plain one an unsigned
 * int), cuDeviceGetUuid_v2 (CUDA 11.4) is preferred to cuDeviceGetUuid
 * (same signature; the older one does not know MIG instances). */
typedef gs_cu_result (*gs_cu_init_fn)(unsigned int flags);
typedef gs_cu_result (*gs_cu_driver_get_version_fn)(int *version);
typedef gs_cu_result (*gs_cu_device_get_count_fn)(int *count);
typedef gs_cu_result (*gs_cu_device_get_fn)(gs_cu_device *device,
                                            int ordinal);
typedef gs_cu_result (*gs_cu_device_get_name_fn)(char *name, int len,
                                                 gs_cu_device dev);
typedef gs_cu_result (*gs_cu_device_get_uuid_fn)(gs_cu_uuid *uuid,
                                                 gs_cu_device dev);
typedef gs_cu_result (*gs_cu_device_total_mem_fn)(size_t *bytes,
                                                  gs_cu_device dev);
typedef gs_cu_result (*gs_cu_device_get_attribute_fn)(
    int *value, gs_cu_device_attribute attrib, gs_cu_device dev);
typedef gs_cu_result (*gs_cu_device_get_p2p_attribute_fn)(
    int *value, gs_cu_p2p_attribute attrib, gs_cu_device src,
    gs_cu_device dst);
typedef gs_cu_result (*gs_cu_get_error_text_fn)(gs_cu_result error,
                                                const char **text);

#endif
