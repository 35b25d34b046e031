/*
 * lib/probe/cuda_decls.h and lib/probe/nvml_decls.h are gpusched's own declarations
 * of the CUDA driver API and NVML (the build needs no toolkit). Where the
 * toolkit's cuda.h / nvml.h are installed, the values and layouts here and
 * the signatures in test_probe_decls_sig.c are checked against them at
 * compile time (a mismatch fails the build) and again at run time (so the
 * test reports what it checked); where they are not, the tests skip.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "test_support.h"

#include "probe/cuda_decls.h"
#include "probe/nvml_decls.h"

#if defined(GS_HAVE_CUDA_H)
#include <cuda.h>
#endif
#if defined(GS_HAVE_NVML_H)
#include <nvml.h>
#endif

int gs_decls_signatures_checked(void);

/* A value pair: ours and the toolkit's, checked twice. */
#define SAME_VALUE(ours, theirs)                                            \
    do {                                                                    \
        _Static_assert((long long)(ours) == (long long)(theirs), #ours);    \
        assert_int_equal((long long)(ours), (long long)(theirs));           \
        checked++;                                                          \
    } while (0)

static void cuda_values(void **state)
{
    (void)state;
#if !defined(GS_HAVE_CUDA_H)
    skip();
#else
    int checked = 0;
    SAME_VALUE(GS_CUDA_SUCCESS, CUDA_SUCCESS);
    SAME_VALUE(GS_CUDA_ERROR_INVALID_VALUE, CUDA_ERROR_INVALID_VALUE);
    SAME_VALUE(GS_CUDA_ERROR_OUT_OF_MEMORY, CUDA_ERROR_OUT_OF_MEMORY);
    SAME_VALUE(GS_CUDA_ERROR_NOT_INITIALIZED, CUDA_ERROR_NOT_INITIALIZED);
    SAME_VALUE(GS_CUDA_ERROR_DEINITIALIZED, CUDA_ERROR_DEINITIALIZED);
    SAME_VALUE(GS_CUDA_ERROR_NO_DEVICE, CUDA_ERROR_NO_DEVICE);
    SAME_VALUE(GS_CUDA_ERROR_INVALID_DEVICE, CUDA_ERROR_INVALID_DEVICE);
    SAME_VALUE(GS_CUDA_ERROR_OPERATING_SYSTEM, CUDA_ERROR_OPERATING_SYSTEM);
    SAME_VALUE(GS_CUDA_ERROR_NOT_FOUND, CUDA_ERROR_NOT_FOUND);
    SAME_VALUE(GS_CUDA_ERROR_NOT_SUPPORTED, CUDA_ERROR_NOT_SUPPORTED);
    SAME_VALUE(GS_CUDA_ERROR_SYSTEM_DRIVER_MISMATCH,
               CUDA_ERROR_SYSTEM_DRIVER_MISMATCH);
    SAME_VALUE(GS_CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE,
               CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE);
    SAME_VALUE(GS_CUDA_ERROR_UNKNOWN, CUDA_ERROR_UNKNOWN);
    SAME_VALUE(GS_CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
               CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
    SAME_VALUE(GS_CU_DEVICE_ATTRIBUTE_PCI_BUS_ID, CU_DEVICE_ATTRIBUTE_PCI_BUS_ID);
    SAME_VALUE(GS_CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID,
               CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID);
    SAME_VALUE(GS_CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID,
               CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID);
    SAME_VALUE(GS_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
               CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
    SAME_VALUE(GS_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
               CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
    SAME_VALUE(GS_CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD,
               CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD);
    SAME_VALUE(GS_CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD_GROUP_ID,
               CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD_GROUP_ID);
    SAME_VALUE(GS_CU_DEVICE_P2P_ATTRIBUTE_PERFORMANCE_RANK,
               CU_DEVICE_P2P_ATTRIBUTE_PERFORMANCE_RANK);
    SAME_VALUE(GS_CU_DEVICE_P2P_ATTRIBUTE_ACCESS_SUPPORTED,
               CU_DEVICE_P2P_ATTRIBUTE_ACCESS_SUPPORTED);
    SAME_VALUE(GS_CU_DEVICE_P2P_ATTRIBUTE_NATIVE_ATOMIC_SUPPORTED,
               CU_DEVICE_P2P_ATTRIBUTE_NATIVE_ATOMIC_SUPPORTED);
    /* the types: same sizes, the UUID's bytes where cuda.h has them */
    SAME_VALUE(sizeof(gs_cu_result), sizeof(CUresult));
    SAME_VALUE(sizeof(gs_cu_device), sizeof(CUdevice));
    SAME_VALUE(sizeof(gs_cu_device_attribute), sizeof(CUdevice_attribute));
    SAME_VALUE(sizeof(gs_cu_p2p_attribute), sizeof(CUdevice_P2PAttribute));
    SAME_VALUE(sizeof(gs_cu_uuid), sizeof(CUuuid));
    SAME_VALUE(offsetof(gs_cu_uuid, bytes), offsetof(CUuuid, bytes));
    assert_int_equal(checked, 30);
    assert_true(gs_decls_signatures_checked() & 1);
#endif
}

static void nvml_values(void **state)
{
    (void)state;
#if !defined(GS_HAVE_NVML_H)
    skip();
#else
    int checked = 0;
    SAME_VALUE(GS_NVML_SUCCESS, NVML_SUCCESS);
    SAME_VALUE(GS_NVML_ERROR_UNINITIALIZED, NVML_ERROR_UNINITIALIZED);
    SAME_VALUE(GS_NVML_ERROR_INVALID_ARGUMENT, NVML_ERROR_INVALID_ARGUMENT);
    SAME_VALUE(GS_NVML_ERROR_NOT_SUPPORTED, NVML_ERROR_NOT_SUPPORTED);
    SAME_VALUE(GS_NVML_ERROR_NO_PERMISSION, NVML_ERROR_NO_PERMISSION);
    SAME_VALUE(GS_NVML_ERROR_NOT_FOUND, NVML_ERROR_NOT_FOUND);
    SAME_VALUE(GS_NVML_ERROR_INSUFFICIENT_SIZE, NVML_ERROR_INSUFFICIENT_SIZE);
    SAME_VALUE(GS_NVML_ERROR_DRIVER_NOT_LOADED, NVML_ERROR_DRIVER_NOT_LOADED);
    SAME_VALUE(GS_NVML_ERROR_FUNCTION_NOT_FOUND,
               NVML_ERROR_FUNCTION_NOT_FOUND);
    SAME_VALUE(GS_NVML_ERROR_GPU_IS_LOST, NVML_ERROR_GPU_IS_LOST);
    SAME_VALUE(GS_NVML_ERROR_UNKNOWN, NVML_ERROR_UNKNOWN);
    SAME_VALUE(GS_NVML_FEATURE_DISABLED, NVML_FEATURE_DISABLED);
    SAME_VALUE(GS_NVML_FEATURE_ENABLED, NVML_FEATURE_ENABLED);
    SAME_VALUE(GS_NVML_NVLINK_DEVICE_TYPE_GPU, NVML_NVLINK_DEVICE_TYPE_GPU);
    SAME_VALUE(GS_NVML_NVLINK_DEVICE_TYPE_IBMNPU,
               NVML_NVLINK_DEVICE_TYPE_IBMNPU);
    SAME_VALUE(GS_NVML_NVLINK_DEVICE_TYPE_SWITCH,
               NVML_NVLINK_DEVICE_TYPE_SWITCH);
    SAME_VALUE(GS_NVML_NVLINK_DEVICE_TYPE_UNKNOWN,
               NVML_NVLINK_DEVICE_TYPE_UNKNOWN);
    SAME_VALUE(GS_NVML_TOPOLOGY_INTERNAL, NVML_TOPOLOGY_INTERNAL);
    SAME_VALUE(GS_NVML_TOPOLOGY_SINGLE, NVML_TOPOLOGY_SINGLE);
    SAME_VALUE(GS_NVML_TOPOLOGY_MULTIPLE, NVML_TOPOLOGY_MULTIPLE);
    SAME_VALUE(GS_NVML_TOPOLOGY_HOSTBRIDGE, NVML_TOPOLOGY_HOSTBRIDGE);
    SAME_VALUE(GS_NVML_TOPOLOGY_NODE, NVML_TOPOLOGY_NODE);
    SAME_VALUE(GS_NVML_TOPOLOGY_SYSTEM, NVML_TOPOLOGY_SYSTEM);
    SAME_VALUE(GS_NVML_P2P_CAPS_INDEX_NVLINK, NVML_P2P_CAPS_INDEX_NVLINK);
    SAME_VALUE(GS_NVML_P2P_STATUS_OK, NVML_P2P_STATUS_OK);
    SAME_VALUE(GS_NVML_DEVICE_MIG_DISABLE, NVML_DEVICE_MIG_DISABLE);
    SAME_VALUE(GS_NVML_DEVICE_MIG_ENABLE, NVML_DEVICE_MIG_ENABLE);
    SAME_VALUE(GS_NVML_DEVICE_UUID_V2_BUFFER_SIZE,
               NVML_DEVICE_UUID_V2_BUFFER_SIZE);
    SAME_VALUE(GS_NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE,
               NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE);
    SAME_VALUE(sizeof(gs_nvml_return), sizeof(nvmlReturn_t));
    SAME_VALUE(sizeof(gs_nvml_device), sizeof(nvmlDevice_t));
    /* nvmlPciInfo_t, field by field */
    SAME_VALUE(sizeof(gs_nvml_pci_info), sizeof(nvmlPciInfo_t));
    SAME_VALUE(offsetof(gs_nvml_pci_info, bus_id_legacy),
               offsetof(nvmlPciInfo_t, busIdLegacy));
    SAME_VALUE(offsetof(gs_nvml_pci_info, domain),
               offsetof(nvmlPciInfo_t, domain));
    SAME_VALUE(offsetof(gs_nvml_pci_info, bus), offsetof(nvmlPciInfo_t, bus));
    SAME_VALUE(offsetof(gs_nvml_pci_info, device),
               offsetof(nvmlPciInfo_t, device));
    SAME_VALUE(offsetof(gs_nvml_pci_info, pci_device_id),
               offsetof(nvmlPciInfo_t, pciDeviceId));
    SAME_VALUE(offsetof(gs_nvml_pci_info, pci_subsystem_id),
               offsetof(nvmlPciInfo_t, pciSubSystemId));
    SAME_VALUE(offsetof(gs_nvml_pci_info, bus_id),
               offsetof(nvmlPciInfo_t, busId));
    assert_int_equal(checked, 39);
    assert_true(gs_decls_signatures_checked() & 2);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cuda_values),
        cmocka_unit_test(nvml_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
