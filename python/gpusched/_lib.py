"""The ctypes layer: finding and loading libgpusched, the C structs, and one
table that declares every C function the binding uses.

Nothing here is public API; the classes in :mod:`gpusched` wrap it. The
raw functions are reachable as ``gpusched._lib.lib.gs_xxx`` for tests and
for experiments, already declared (argtypes, restype) and with negative
statuses turned into exceptions.

How the library is found (first that works):

1. ``GPUSCHED_LIBRARY``: a path to the shared object, or to a directory
   holding ``libgpusched.so``. When it is set, nothing else is tried.
2. Next to the package: ``libgpusched.so*`` inside the ``gpusched``
   package directory (a wheel or tree that bundles it), then in the
   directory that contains the package.
3. The system: ``ctypes.util.find_library("gpusched")``, then
   ``libgpusched.so.0.1`` and ``libgpusched.so`` through the dynamic
   loader's search path (``LD_LIBRARY_PATH``, ``ldconfig``).

The library's version must have the major.minor this package was written
for (while major is 0, minor versions are incompatible).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import threading
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_double, c_int,
                    c_int64, c_size_t, c_uint, c_uint32, c_uint64, c_void_p)
from typing import Dict, List, Optional, Sequence, Tuple

from . import errors

#: The library version this package speaks: major, minor.
EXPECTED_VERSION: Tuple[int, int] = (0, 1)
#: ``GS_NONE``: "no such object" for index queries.
NONE = 0xFFFFFFFF
UINT32_MAX = 0xFFFFFFFF
UINT64_MAX = 0xFFFFFFFFFFFFFFFF
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
#: ``GS_TIME_MAX``: times must lie in [-TIME_MAX, TIME_MAX] and durations in
#: [0, TIME_MAX] seconds, so that no sum or difference of two overflows.
TIME_MAX = 1 << 60
#: ``GS_USAGE_MAX``: the most usage one association may hold.
USAGE_MAX = 1e30
#: ``GS_NUMA_OS_ID_MAX``: the largest OS id of a NUMA domain.
NUMA_OS_ID_MAX = 1048575
#: ``GS_TIME_UNKNOWN``: a time that is not known (an expected start no plan
#: gave).
TIME_UNKNOWN = INT64_MIN
#: ``GS_MAX_PARTITIONS``: the most partitions a scheduler holds.
MAX_PARTITIONS = 64
#: ``GS_MAX_TOPO_FEATURES``: the most distinct feature names of a topology.
MAX_TOPO_FEATURES = 64
#: ``GS_NODE_WEIGHT_MAX``: the largest node weight (2^32 - 2).
NODE_WEIGHT_MAX = 4294967294
#: ``GS_PATTERN_COUNT``: the number of communication patterns.
PATTERN_COUNT = 5
#: ``GS_MAX_DEMAND``: the most entries of a demand profile.
MAX_DEMAND = 8
#: ``GS_MAX_FRAG_CLASSES``: the most classes of a fragmentation job mix.
MAX_FRAG_CLASSES = 32
#: ``GS_UPDATE_*``: the fields of a gs_job_update to change.
UPDATE_PRIORITY = 0x1
UPDATE_TIME_LIMIT = 0x2
UPDATE_GPUS = 0x4
UPDATE_PARTITION = 0x8
UPDATE_CONSTRAINT = 0x10

ENV_VAR = "GPUSCHED_LIBRARY"


class LibraryError(ImportError):
    """libgpusched could not be loaded, or it is not a version this package
    can use. The message lists every place that was tried and what was
    found there."""

    def __init__(self, message: str, attempts: Sequence[Tuple[str, str]] = ()):
        lines = [message]
        for where, what in attempts:
            lines.append(f"  - {where}: {what}")
        lines.append(
            f"Set {ENV_VAR} to the path of libgpusched.so (for a build tree: "
            f"{ENV_VAR}=BUILD_DIR/lib/libgpusched.so), put the library next "
            f"to the gpusched package, or install it where the dynamic loader "
            f"finds it.")
        super().__init__("\n".join(lines))
        self.attempts: List[Tuple[str, str]] = list(attempts)


class LibraryVersionError(LibraryError):
    """The library was found but its version does not match."""


# ---- opaque handles -----------------------------------------------------


class gs_topo(Structure):
    """Opaque ``gs_topo``."""


class gs_sched(Structure):
    """Opaque ``gs_sched``."""


class gs_share(Structure):
    """Opaque ``gs_share`` (fair-share accounts)."""


class gs_probe_report(Structure):
    """Opaque ``gs_probe_report`` (what a probe found)."""


TopoP = POINTER(gs_topo)
SchedP = POINTER(gs_sched)
ShareP = POINTER(gs_share)
ReportP = POINTER(gs_probe_report)


# ---- structs (field order and types as in include/gpusched/*.h) ----------
#
# Structs the caller fills carry struct_size. The binding initializes them
# with the library's *_init function inside a buffer with slack at the end,
# so a library whose struct grew (a later minor version of the same ABI)
# writes its extra fields into the slack instead of past the end, and the
# struct_size it reports is kept: see new_struct().

STRUCT_SLACK = 512


class GpuInfoC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("index", c_uint32),
        ("model", c_char_p),
        ("uuid", c_char_p),
        ("pci_bus_id", c_char_p),
        ("memory_bytes", c_uint64),
        ("cc_major", c_uint32),
        ("cc_minor", c_uint32),
        ("sm_count", c_uint32),
        ("numa", c_uint32),
        ("fabric", c_uint32),
        ("fabric_links", c_uint32),
    ]


class LinkInfoC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("kind", c_int),
        ("nvlinks", c_uint32),
        ("pcie", c_int),
        ("bandwidth", c_double),
        ("source", c_int),
        ("bandwidth_explicit", c_int),
    ]


class BandwidthsC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("nvlink_per_link", c_double),
        ("pix", c_double),
        ("pxb", c_double),
        ("phb", c_double),
        ("node", c_double),
        ("sys", c_double),
    ]


WARNING_FN = CFUNCTYPE(None, c_void_p, c_char_p)


class LoadOptionsC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("format", c_int),
        ("flags", c_uint),
        ("node_templates", c_char_p),
        ("hostname", c_char_p),
        ("warn", WARNING_FN),
        ("warn_user", c_void_p),
        ("max_input_bytes", c_uint64),
    ]


class ProbeOptionsC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("flags", c_uint),
        ("cuda_library", c_char_p),
        ("nvml_library", c_char_p),
        ("hwloc_xml", c_char_p),
        ("hostname", c_char_p),
        ("warn", WARNING_FN),
        ("warn_user", c_void_p),
        ("report", POINTER(ReportP)),
    ]


class ProbeSummaryC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("status", c_int),
        ("partial", c_int),
        ("gpus", c_uint32),
        ("lib_status", c_int * 3),
        ("lib_message", c_char_p * 3),
        ("lib_name", c_char_p * 3),
        ("cuda_driver_version", c_int),
        ("cuda_devices", c_uint32),
        ("vanished", c_uint32),
        ("nvml_driver_version", c_char_p),
        ("nvml_devices", c_uint32),
        ("cuda_visible_devices", c_char_p),
        ("visible_entries", c_uint32),
        ("visible_stop", c_uint32),
    ]


class ProbeGpuC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("cuda_ordinal", c_int),
        ("nvml_index", c_uint32),
        ("multi_gpu_board", c_int),
        ("board_group", c_int),
        ("mig_mode", c_int),
        ("mig_pending", c_int),
        ("nvlinks_active", c_uint32),
        ("nvlinks_to_gpus", c_uint32),
        ("nvlinks_to_switches", c_uint32),
        ("nvlinks_to_cpus", c_uint32),
        ("nvlinks_other", c_uint32),
        ("attr_source", c_int),
        ("numa_source", c_int),
        ("nvlink_source", c_int),
    ]


class ProbePairC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("access_supported", c_int),
        ("native_atomics", c_int),
        ("performance_rank", c_int),
        ("nvlink_p2p", c_int),
        ("nvlink_source", c_int),
        ("pcie_source", c_int),
    ]


class SchedConfigC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("placement", c_char_p),
        ("placement_options", c_char_p),
        ("ordering", c_int),
        ("fairshare", c_int),
        ("backfill", c_int),
        ("backfill_depth", c_uint32),
        ("backfill_horizon", c_int64),
        ("preempt", c_int),
        ("share", ShareP),
        ("ordering_name", c_char_p),
        ("ordering_options", c_char_p),
        ("fairshare_name", c_char_p),
    ]


class JobSpecC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("name", c_char_p),
        ("gpus", c_uint32),
        ("gpus_per_node", c_uint32),
        ("min_nodes", c_uint32),
        ("max_nodes", c_uint32),
        ("cpus_per_gpu", c_uint32),
        ("mem_per_gpu", c_uint64),
        ("min_gpu_memory", c_uint64),
        ("gpu_models", c_char_p),
        ("min_cc_major", c_uint32),
        ("min_cc_minor", c_uint32),
        ("require_gpus", POINTER(c_uint32)),
        ("n_require_gpus", c_size_t),
        ("require_uuids", POINTER(c_char_p)),
        ("n_require_uuids", c_size_t),
        ("exclusive", c_int),
        ("one_nvlink_domain", c_int),
        ("comm", c_int),
        ("user", c_char_p),
        ("account", c_char_p),
        ("priority", c_int64),
        ("time_limit", c_int64),
        ("submit_time", c_int64),
        ("nice", c_int64),
        ("preemptible", c_int),
        ("depends_on", c_uint64),
        # partitions, features, splitting and models (issue 15)
        ("partition", c_char_p),
        ("constraint", c_char_p),
        ("allow_split", c_int),
        ("any_model", c_int),
        # communication patterns (issue 16)
        ("pattern", c_int),
        # shared GPUs (issue 17)
        ("gpu_milli", c_uint32),
        ("gpu_mem", c_uint64),
        # MIG (issue 17)
        ("mig_profile", c_char_p),
    ]


class EventC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("kind", c_int),
        ("job", c_uint64),
        ("time", c_int64),
    ]


class JobInfoC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("id", c_uint64),
        ("state", c_int),
        ("reason", c_int),
        ("gpus", c_uint32),
        ("nodes", c_uint32),
        ("submit_time", c_int64),
        ("start_time", c_int64),
        ("end_time", c_int64),
        ("priority", c_int64),
        ("time_limit", c_int64),
        ("name", c_char_p),
        ("user", c_char_p),
        ("account", c_char_p),
        ("priority_value", c_double),
        ("requeues", c_uint32),
        ("lost_gpu_seconds", c_double),
        # expected starts, holds, time-outs and partitions (issue 15)
        ("expected_start", c_int64),
        ("held", c_int),
        ("timed_out", c_int),
        ("partition", c_char_p),
        # communication patterns (issue 16)
        ("pattern", c_int),
        # shared GPUs (issue 17)
        ("gpu_milli", c_uint32),
        ("gpu_mem", c_uint64),
        # MIG (issue 17)
        ("mig_profile", c_char_p),
    ]


class PartitionSpecC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("name", c_char_p),
        ("nodes", c_char_p),
        ("is_default", c_int),
        ("max_gpus_per_job", c_uint32),
        ("max_gpus_per_user", c_uint32),
        ("default_time", c_int64),
        ("max_time", c_int64),
        ("priority_tier", c_uint32),
        ("preempts", c_char_p),
        ("def_cpus_per_gpu", c_uint32),
        ("def_mem_per_gpu", c_uint64),
    ]


class PartitionInfoC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("name", c_char_p),
        ("is_default", c_int),
        ("nodes", c_uint32),
        ("gpus", c_uint32),
        ("gpus_in_use", c_uint32),
        ("running", c_uint32),
        ("max_gpus_per_job", c_uint32),
        ("max_gpus_per_user", c_uint32),
        ("default_time", c_int64),
        ("max_time", c_int64),
        ("priority_tier", c_uint32),
        ("def_cpus_per_gpu", c_uint32),
        ("def_mem_per_gpu", c_uint64),
    ]


class PatternInfoC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("bandwidth", c_double),
        ("q", c_double),
        ("ring", c_double),
        ("ring_single", c_double),
        ("rings", c_uint32),
        ("all_to_all", c_double),
        ("weakest_pair", c_double),
        ("bisection", c_double),
        ("chain", c_double),
        ("exact", c_int),
    ]


class DemandEntryC(Structure):
    """``gs_demand_entry`` (no struct_size: a fixed layout)."""
    _fields_ = [
        ("gpus", c_uint32),
        ("pattern", c_int),
        ("weight", c_double),
    ]


class FragClassC(Structure):
    """``gs_frag_class`` (no struct_size: a fixed layout)."""
    _fields_ = [
        ("gpus", c_uint32),
        ("gpu_milli", c_uint32),
        ("cpus", c_uint32),
        ("mem", c_uint64),
        ("weight", c_double),
    ]


class JobUpdateC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("fields", c_uint),
        ("priority", c_int64),
        ("time_limit", c_int64),
        ("gpus", c_uint32),
        ("partition", c_char_p),
        ("constraint", c_char_p),
    ]


#: ``gs_forget_fn``: (user_data, scheduler, the job's final record).
FORGET_FN = CFUNCTYPE(None, c_void_p, c_void_p, POINTER(JobInfoC))


class PriorityWeightsC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("age", c_double),
        ("fairshare", c_double),
        ("job_size", c_double),
        ("priority", c_double),
        ("max_age", c_int64),
        ("calc_period", c_int64),
    ]


class PriorityBreakdownC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("total", c_double),
        ("age", c_double),
        ("fairshare", c_double),
        ("job_size", c_double),
        ("priority", c_double),
        ("nice", c_double),
        ("w_age", c_double),
        ("w_fairshare", c_double),
        ("w_job_size", c_double),
        ("w_priority", c_double),
        ("site", c_double),
        ("value", c_double),
    ]


class ShareRowC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("depth", c_uint32),
        ("account", c_char_p),
        ("user", c_char_p),
        ("raw_shares", c_double),
        ("norm_shares", c_double),
        ("raw_usage", c_double),
        ("norm_usage", c_double),
        ("effective_usage", c_double),
        ("factor", c_double),
        ("level_fs", c_double),
        ("rank", c_uint32),
        ("level_shares", c_double),
    ]


class AllocNodeC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("node", c_uint32),
        ("gpus", c_uint32),
        ("cpus", c_uint32),
        ("memory", c_uint64),
    ]


class MigProfileInfoC(Structure):
    _fields_ = [
        ("name", c_char_p),
        ("compute_slices", c_uint32),
        ("memory_slices", c_uint32),
        ("memory_bytes", c_uint64),
        ("max_instances", c_uint32),
        ("n_starts", c_uint32),
        ("starts", ctypes.c_uint8 * 8),
        ("span", c_uint32),
        ("media_extensions", c_int),
    ]


class MigInstanceC(Structure):
    _fields_ = [
        ("profile", c_uint32),
        ("start", c_uint32),
    ]


#: ``GS_ALLOC_MAX_GPUS``: the most GPUs on one node of an allocation.
ALLOC_MAX_GPUS = 64


class AllocEntryC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("node", c_uint32),
        ("node_name", c_char_p),
        ("n_gpus", c_uint32),
        ("gpus", c_uint32 * ALLOC_MAX_GPUS),
        ("gpu_ids", c_uint32 * ALLOC_MAX_GPUS),
        ("n_cpus", c_uint32),
        ("cpus", POINTER(c_uint32)),
        ("memory", c_uint64),
        ("cuda_visible_devices", c_char_p),
        ("cuda_visible_uuids", c_char_p),
        ("cpulist", c_char_p),
        ("buf_needed", c_size_t),
        # shared GPUs (issue 17)
        ("gpu_milli", c_uint32),
        ("mps_thread_percentage", c_uint32),
        ("mps_mem_limit", c_char_p),
        # MIG (issue 17)
        ("mig_profile", c_char_p),
        ("mig_starts", c_uint32 * ALLOC_MAX_GPUS),
        ("mig_instances", c_uint32 * ALLOC_MAX_GPUS),
    ]


# ---- durable state (state.h) ---------------------------------------------

#: ``GS_KEEP_FOREVER``: keep ended jobs forever (gs_sched_set_retention).
KEEP_FOREVER = INT64_MAX
#: ``GS_STATE_FORMAT``: the snapshot format the binding was written for.
STATE_FORMAT = 5
#: ``gs_write_fn``: (user_data, data, size) -> gs_status.
WRITE_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t)
#: ``gs_read_fn``: (user_data, buf, cap, *got) -> gs_status.
READ_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t, POINTER(c_size_t))
#: ``gs_warn_fn``: (user_data, message).
WARN_FN = CFUNCTYPE(None, c_void_p, c_char_p)


class RestoreOptionsC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("share", ShareP),
        ("max_bytes", c_uint64),
        ("name", c_char_p),
    ]


class StoreConfigC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("path", c_char_p),
        ("sync", c_int),
        ("sync_every", c_uint32),
        ("sched", POINTER(SchedConfigC)),
        ("share", ShareP),
        ("warn", WARN_FN),
        ("warn_data", c_void_p),
    ]


# ---- plugin tables (ordering.h, fairshare.h) -----------------------------
#
# The job views and shares reach the Python trampolines as plain addresses
# (c_void_p): cheaper to convert than ctypes pointers, and the trampoline
# reads the view with OrderJobC.from_address.

#: ``GS_ORDERING_ABI_VERSION`` / ``GS_FAIRSHARE_ABI_VERSION``: the versions
#: of the tables this binding fills.
ORDERING_ABI_VERSION = 1
FAIRSHARE_ABI_VERSION = 1
#: ``GS_ORDERING_USES_FACTORS``, ``GS_ORDERING_TIES_BY_PRIORITY``.
ORDERING_USES_FACTORS = 0x1
ORDERING_TIES_BY_PRIORITY = 0x2


class OrderJobC(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("id", c_uint64),
        ("name", c_char_p),
        ("user", c_char_p),
        ("account", c_char_p),
        ("partition", c_char_p),
        ("gpus", c_uint32),
        ("min_nodes", c_uint32),
        ("running", c_int),
        ("preemptible", c_int),
        ("priority", c_int64),
        ("nice", c_int64),
        ("submit_time", c_int64),
        ("time_limit", c_int64),
        ("now", c_int64),
        ("age", c_int64),
        ("requeues", c_uint32),
        ("site_factor", c_double),
        ("weights", POINTER(PriorityWeightsC)),
        ("fairshare", c_double),
        ("age_factor", c_double),
        ("size_factor", c_double),
        ("priority_factor", c_double),
    ]


ORDER_INIT_FN = CFUNCTYPE(c_int, POINTER(c_void_p), c_void_p, c_char_p)
ORDER_DESTROY_FN = CFUNCTYPE(None, c_void_p)
ORDER_REFRESH_FN = CFUNCTYPE(None, c_void_p, c_int64)
ORDER_PRIORITY_FN = CFUNCTYPE(c_double, c_void_p, c_void_p)
ORDER_COMPARE_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p)
ORDER_OUTRANKS_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p)
ORDER_HOOK_FN = CFUNCTYPE(None, c_void_p, c_uint64, c_int64)


class OrderingOpsC(Structure):
    _fields_ = [
        ("abi_version", c_uint32),
        ("name", c_char_p),
        ("description", c_char_p),
        ("flags", c_uint32),
        ("init", ORDER_INIT_FN),
        ("destroy", ORDER_DESTROY_FN),
        ("refresh", ORDER_REFRESH_FN),
        ("priority", ORDER_PRIORITY_FN),
        ("compare", ORDER_COMPARE_FN),
        ("outranks", ORDER_OUTRANKS_FN),
        ("job_started", ORDER_HOOK_FN),
        ("job_ended", ORDER_HOOK_FN),
    ]


FAIRSHARE_COMPUTE_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_double)


class FairshareOpsC(Structure):
    _fields_ = [
        ("abi_version", c_uint32),
        ("name", c_char_p),
        ("description", c_char_p),
        ("compute", FAIRSHARE_COMPUTE_FN),
        ("arg", c_void_p),
    ]


#: ctypes struct -> the C struct it mirrors (checked against the headers by
#: tests/test_abi.py).
STRUCTS = {
    "gs_gpu_info": GpuInfoC,
    "gs_link_info": LinkInfoC,
    "gs_bandwidths": BandwidthsC,
    "gs_load_options": LoadOptionsC,
    "gs_sched_config": SchedConfigC,
    "gs_job_spec": JobSpecC,
    "gs_event": EventC,
    "gs_job_info": JobInfoC,
    "gs_alloc_node": AllocNodeC,
    "gs_alloc_entry": AllocEntryC,
    "gs_priority_weights": PriorityWeightsC,
    "gs_priority_breakdown": PriorityBreakdownC,
    "gs_share_row": ShareRowC,
    "gs_probe_options": ProbeOptionsC,
    "gs_probe_summary": ProbeSummaryC,
    "gs_probe_gpu": ProbeGpuC,
    "gs_probe_pair": ProbePairC,
    "gs_order_job": OrderJobC,
    "gs_ordering_ops": OrderingOpsC,
    "gs_fairshare_ops": FairshareOpsC,
    "gs_restore_options": RestoreOptionsC,
    "gs_store_config": StoreConfigC,
    "gs_partition_spec": PartitionSpecC,
    "gs_partition_info": PartitionInfoC,
    "gs_job_update": JobUpdateC,
    "gs_pattern_info": PatternInfoC,
    "gs_demand_entry": DemandEntryC,
    "gs_frag_class": FragClassC,
}


def new_struct(cls, init_name: str):
    """An input struct initialized by the library's ``init_name`` function.

    The struct lives in a buffer ``STRUCT_SLACK`` bytes larger than the
    binding's view of it; the library's init sets ``struct_size`` to the
    size it knows, which is kept."""
    buf = (ctypes.c_char * (ctypes.sizeof(cls) + STRUCT_SLACK))()
    obj = cls.from_buffer(buf)
    getattr(lib, init_name)(ctypes.byref(obj))
    if obj.struct_size > ctypes.sizeof(buf):
        raise errors.UnsupportedError(
            f"{cls.__name__}: the library's struct is {obj.struct_size} "
            f"bytes, more than this binding can hold")
    return obj


def out_struct(cls):
    """An output struct with ``struct_size = sizeof``."""
    obj = cls()
    obj.struct_size = ctypes.sizeof(cls)
    return obj


def field_known(obj, field: str) -> bool:
    """Whether the library's struct (by its struct_size) has ``field``."""
    desc = getattr(type(obj), field)
    return desc.offset + desc.size <= obj.struct_size


# ---- the prototype table ------------------------------------------------


class Status:
    """Marker for functions returning ``gs_status``.

    ``msg`` says where the failure's message lives: ``"topo"`` /
    ``"sched"`` / ``"share"``: the handle in argument 0 (only for calls
    that set it: the library does not clear messages on success, so
    queries that fail without setting one are marked None and the
    wrappers check their arguments first); ``"topo-out"`` / ``"sched-out"``: the handle written
    to the out-pointer in argument 0 (loaders and constructors return it
    even on failure). ``sized``: ``GS_ENOSPC`` is returned, not raised (the
    caller grows its buffer)."""

    __slots__ = ("msg", "sized")

    def __init__(self, msg: Optional[str] = None, sized: bool = False):
        self.msg = msg
        self.sized = sized


ST = Status()                        # no message
ST_TOPO = Status("topo")
ST_TOPO_OUT = Status("topo-out")
ST_SCHED = Status("sched")
ST_SCHED_OUT = Status("sched-out")
ST_SHARE = Status("share")
ST_SIZED = Status(sized=True)
ST_SCHED_SIZED = Status("sched", sized=True)

OPTIONAL = "optional"

_u32p = POINTER(c_uint32)
_u64p = POINTER(c_uint64)
_i64p = POINTER(c_int64)
_szp = POINTER(c_size_t)
_dblp = POINTER(c_double)

# name, restype, argtypes[, OPTIONAL]
# A function marked OPTIONAL may be missing from the library (added in a
# later version, or left out of a build); the binding then raises
# UnsupportedError when it is needed. Every other one must exist.
PROTOTYPES: List[tuple] = [
    # core
    ("gs_version", c_uint, []),
    ("gs_version_string", c_char_p, []),
    ("gs_status_name", c_char_p, [c_int]),
    ("gs_strerror", c_char_p, [c_int]),
    ("gs_free", None, [c_void_p]),
    ("gs_set_allocator", ST, [c_void_p]),
    ("gs_get_allocator", None, [c_void_p]),
    # struct initializers
    ("gs_gpu_info_init", None, [POINTER(GpuInfoC)]),
    ("gs_link_info_init", None, [POINTER(LinkInfoC)]),
    ("gs_bandwidths_init", None, [POINTER(BandwidthsC)]),
    ("gs_load_options_init", None, [POINTER(LoadOptionsC)]),
    ("gs_sched_config_init", None, [POINTER(SchedConfigC)]),
    ("gs_job_spec_init", None, [POINTER(JobSpecC)]),
    ("gs_restore_options_init", None, [POINTER(RestoreOptionsC)]),
    ("gs_store_config_init", None, [POINTER(StoreConfigC)]),
    # topology lifecycle and building
    ("gs_topo_create", ST, [POINTER(TopoP)]),
    ("gs_topo_destroy", None, [TopoP]),
    ("gs_topo_errmsg", c_char_p, [TopoP]),
    ("gs_topo_freeze", ST_TOPO, [TopoP]),
    ("gs_topo_is_frozen", c_int, [TopoP]),
    ("gs_topo_add_node", ST_TOPO, [TopoP, c_char_p, _u32p]),
    ("gs_topo_add_template_node", ST_TOPO, [TopoP, c_char_p, c_char_p, _u32p]),
    ("gs_topo_add_numa", ST_TOPO, [TopoP, c_uint32, c_char_p, c_uint64, _u32p]),
    ("gs_topo_set_numa_os_id", ST_TOPO, [TopoP, c_uint32, c_uint32, c_uint32],
     OPTIONAL),
    ("gs_topo_add_gpu", ST_TOPO, [TopoP, c_uint32, POINTER(GpuInfoC), _u32p]),
    ("gs_topo_set_link", ST_TOPO,
     [TopoP, c_uint32, c_uint32, c_uint32, POINTER(LinkInfoC)]),
    ("gs_topo_set_bandwidths", ST_TOPO,
     [TopoP, c_uint32, POINTER(BandwidthsC)]),
    ("gs_topo_add_switch", ST_TOPO, [TopoP, c_char_p, c_uint64, _u32p]),
    ("gs_topo_set_switch_parent", ST_TOPO, [TopoP, c_uint32, c_uint32]),
    ("gs_topo_attach_node", ST_TOPO, [TopoP, c_uint32, c_uint32]),
    ("gs_topo_add_nvlink_domain", ST_TOPO, [TopoP, c_char_p, _u32p]),
    ("gs_topo_set_node_domain", ST_TOPO, [TopoP, c_uint32, c_uint32]),
    # loading and saving
    ("gs_format_name", c_char_p, [c_int]),
    ("gs_format_from_name", ST, [c_char_p, POINTER(c_int)]),
    ("gs_topo_load", ST_TOPO_OUT,
     [POINTER(TopoP), c_char_p, POINTER(LoadOptionsC)]),
    ("gs_topo_load_buffer", ST_TOPO_OUT,
     [POINTER(TopoP), c_char_p, c_size_t, c_char_p, POINTER(LoadOptionsC)]),
    ("gs_topo_load_hwloc", ST_TOPO_OUT,
     [POINTER(TopoP), c_char_p, POINTER(LoadOptionsC)], OPTIONAL),
    # the device probe (include/gpusched/probe.h; a library without it
    # gives UnsupportedError from Topology.probe)
    ("gs_probe_options_init", None, [POINTER(ProbeOptionsC)], OPTIONAL),
    ("gs_probe_summary_init", None, [POINTER(ProbeSummaryC)], OPTIONAL),
    ("gs_probe_gpu_init", None, [POINTER(ProbeGpuC)], OPTIONAL),
    ("gs_probe_pair_init", None, [POINTER(ProbePairC)], OPTIONAL),
    ("gs_topo_probe", ST_TOPO_OUT,
     [POINTER(TopoP), POINTER(ProbeOptionsC)], OPTIONAL),
    ("gs_probe_report_destroy", None, [ReportP], OPTIONAL),
    ("gs_probe_report_summary", ST, [ReportP, POINTER(ProbeSummaryC)],
     OPTIONAL),
    ("gs_probe_report_gpu", ST, [ReportP, c_uint32, POINTER(ProbeGpuC)],
     OPTIONAL),
    ("gs_probe_report_pair", ST,
     [ReportP, c_uint32, c_uint32, POINTER(ProbePairC)], OPTIONAL),
    ("gs_topo_to_json", ST, [TopoP, POINTER(c_void_p), _szp]),
    ("gs_topo_save_json", ST, [TopoP, c_char_p]),
    # templates
    ("gs_template_count", c_size_t, []),
    ("gs_template_name", c_char_p, [c_size_t]),
    ("gs_template_description", c_char_p, [c_size_t]),
    ("gs_template_is_cluster", c_int, [c_size_t]),
    ("gs_template_json", c_char_p, [c_size_t]),
    # topology queries (const: they never set the handle's message)
    ("gs_topo_node_count", c_uint32, [TopoP]),
    ("gs_topo_gpu_count", c_uint32, [TopoP]),
    ("gs_topo_switch_count", c_uint32, [TopoP]),
    ("gs_topo_nvlink_domain_count", c_uint32, [TopoP]),
    ("gs_topo_find_node", c_uint32, [TopoP, c_char_p]),
    ("gs_topo_node_name", c_char_p, [TopoP, c_uint32]),
    ("gs_topo_node_gpu_count", c_uint32, [TopoP, c_uint32]),
    ("gs_topo_node_first_gpu", c_uint32, [TopoP, c_uint32]),
    ("gs_topo_node_numa_count", c_uint32, [TopoP, c_uint32]),
    ("gs_topo_node_cpu_count", c_uint32, [TopoP, c_uint32]),
    ("gs_topo_numa_memory", c_uint64, [TopoP, c_uint32, c_uint32]),
    ("gs_topo_numa_os_id", c_uint32, [TopoP, c_uint32, c_uint32], OPTIONAL),
    ("gs_topo_numa_cpus", ST_SIZED,
     [TopoP, c_uint32, c_uint32, c_char_p, c_size_t, _szp]),
    ("gs_topo_gpu_node", c_uint32, [TopoP, c_uint32]),
    ("gs_topo_gpu_info", ST, [TopoP, c_uint32, POINTER(GpuInfoC)]),
    ("gs_topo_find_gpu_uuid", c_uint32, [TopoP, c_char_p]),
    ("gs_topo_gpu_local_cpus", ST_SIZED,
     [TopoP, c_uint32, c_char_p, c_size_t, _szp]),
    ("gs_topo_gpu_local_cpu_ids", ST_SIZED,
     [TopoP, c_uint32, _u32p, c_size_t, _szp]),
    ("gs_topo_link", ST, [TopoP, c_uint32, c_uint32, POINTER(LinkInfoC)]),
    ("gs_topo_bandwidth", c_double, [TopoP, c_uint32, c_uint32]),
    ("gs_topo_quality", ST, [TopoP, _u32p, c_size_t, _dblp]),
    ("gs_topo_node_matrix", ST_SIZED,
     [TopoP, c_uint32, c_uint, c_char_p, c_size_t, _szp]),
    ("gs_pcie_level_name", c_char_p, [c_int]),
    ("gs_topo_node_switch", c_uint32, [TopoP, c_uint32]),
    ("gs_topo_node_domain", c_uint32, [TopoP, c_uint32]),
    ("gs_topo_find_switch", c_uint32, [TopoP, c_char_p]),
    ("gs_topo_switch_name", c_char_p, [TopoP, c_uint32]),
    ("gs_topo_switch_parent", c_uint32, [TopoP, c_uint32]),
    ("gs_topo_switch_depth", c_uint32, [TopoP, c_uint32]),
    ("gs_topo_switch_link_speed", c_uint64, [TopoP, c_uint32]),
    ("gs_topo_common_switch", c_uint32, [TopoP, c_uint32, c_uint32]),
    ("gs_topo_find_nvlink_domain", c_uint32, [TopoP, c_char_p]),
    ("gs_topo_nvlink_domain_name", c_char_p, [TopoP, c_uint32]),
    ("gs_topo_nvlink_domain_size", c_uint32, [TopoP, c_uint32]),
    # node features, weights and constraints (from issue 15 on; older 0.1
    # libraries lack them: UnsupportedError). The setters set the
    # topology's message; gs_topo_check_constraint writes its message to
    # the caller's buffer, gs_topo_node_matches none (the wrapper asks
    # gs_topo_check_constraint for it).
    ("gs_topo_set_node_features", ST_TOPO, [TopoP, c_uint32, c_char_p],
     OPTIONAL),
    ("gs_topo_set_node_weight", ST_TOPO, [TopoP, c_uint32, c_uint32],
     OPTIONAL),
    ("gs_topo_feature_count", c_uint32, [TopoP], OPTIONAL),
    ("gs_topo_feature_name", c_char_p, [TopoP, c_uint32], OPTIONAL),
    ("gs_topo_find_feature", c_uint32, [TopoP, c_char_p], OPTIONAL),
    ("gs_topo_node_has_feature", c_int, [TopoP, c_uint32, c_char_p],
     OPTIONAL),
    ("gs_topo_node_features", ST_SIZED,
     [TopoP, c_uint32, c_char_p, c_size_t, _szp], OPTIONAL),
    ("gs_topo_node_weight", c_uint32, [TopoP, c_uint32], OPTIONAL),
    ("gs_topo_check_constraint", c_int,
     [TopoP, c_char_p, c_char_p, c_size_t], OPTIONAL),
    ("gs_topo_node_matches", c_int,
     [TopoP, c_uint32, c_char_p, POINTER(c_int)], OPTIONAL),
    # communication patterns (issue 16; older 0.1 libraries lack them:
    # UnsupportedError). The topology queries take a const handle and set
    # no message (the wrappers check their arguments first).
    ("gs_topo_pattern_bandwidth", ST,
     [TopoP, _u32p, c_size_t, c_int, POINTER(PatternInfoC)], OPTIONAL),
    ("gs_topo_pattern_best", ST,
     [TopoP, c_uint32, c_uint32, c_int, _u32p, POINTER(PatternInfoC)],
     OPTIONAL),
    ("gs_topo_node_type_index", c_uint32, [TopoP, c_uint32], OPTIONAL),
    # jobs
    ("gs_job_state_name", c_char_p, [c_int]),
    ("gs_pending_reason_name", c_char_p, [c_int]),
    ("gs_pattern_name", c_char_p, [c_int], OPTIONAL),
    ("gs_pattern_parse", ST, [c_char_p, POINTER(c_int)], OPTIONAL),
    # scheduler
    ("gs_sched_create", ST_SCHED_OUT,
     [POINTER(SchedP), TopoP, POINTER(SchedConfigC)]),
    ("gs_sched_destroy", None, [SchedP]),
    ("gs_sched_errmsg", c_char_p, [SchedP]),
    ("gs_sched_topo", TopoP, [SchedP]),
    ("gs_sched_submit", ST_SCHED, [SchedP, POINTER(JobSpecC), _u64p]),
    ("gs_sched_cancel", ST_SCHED, [SchedP, c_uint64, c_int64]),
    ("gs_sched_complete", ST_SCHED, [SchedP, c_uint64, c_int64]),
    ("gs_sched_fail", ST_SCHED, [SchedP, c_uint64, c_int64]),
    ("gs_sched_preview", ST_SCHED,
     [SchedP, POINTER(JobSpecC), _u32p, c_size_t, _szp]),
    ("gs_sched_step", ST_SCHED, [SchedP, c_int64, _szp]),
    ("gs_sched_event_count", c_size_t, [SchedP]),
    ("gs_sched_event", ST, [SchedP, c_size_t, POINTER(EventC)]),
    # the event queue, the clock and retention (gs_sched_retention fails
    # only for a bad handle, without a message)
    ("gs_sched_events_consume", ST_SCHED, [SchedP, c_size_t]),
    ("gs_sched_next_event", ST_SCHED, [SchedP, POINTER(EventC)]),
    ("gs_sched_clock", c_int64, [SchedP]),
    ("gs_sched_set_retention", ST_SCHED, [SchedP, c_int64, c_int64]),
    ("gs_sched_retention", ST, [SchedP, _i64p, _i64p]),
    ("gs_sched_set_forget_hook", ST, [SchedP, FORGET_FN, c_void_p]),
    ("gs_sched_job_count", c_size_t, [SchedP]),
    ("gs_sched_job_at", c_uint64, [SchedP, c_size_t]),
    ("gs_sched_job_info", ST, [SchedP, c_uint64, POINTER(JobInfoC)]),
    ("gs_sched_job_reason_text", ST_SIZED,
     [SchedP, c_uint64, c_char_p, c_size_t, _szp]),
    ("gs_sched_alloc_node_count", c_uint32, [SchedP, c_uint64]),
    ("gs_sched_alloc_node", ST, [SchedP, c_uint64, c_uint32,
                                 POINTER(AllocNodeC)]),
    ("gs_sched_alloc_gpus", ST_SIZED,
     [SchedP, c_uint64, c_uint32, _u32p, c_size_t, _szp]),
    ("gs_sched_alloc_cpus", ST_SIZED,
     [SchedP, c_uint64, c_uint32, c_char_p, c_size_t, _szp]),
    ("gs_sched_cuda_visible_devices", ST_SIZED,
     [SchedP, c_uint64, c_uint32, c_uint, c_char_p, c_size_t, _szp]),
    ("gs_sched_drain_node", ST, [SchedP, c_uint32]),
    ("gs_sched_resume_node", ST, [SchedP, c_uint32]),
    ("gs_sched_drain_gpu", ST, [SchedP, c_uint32]),
    ("gs_sched_resume_gpu", ST, [SchedP, c_uint32]),
    ("gs_sched_fail_gpu", ST_SCHED, [SchedP, c_uint32, c_int64, _u64p]),
    ("gs_sched_repair_gpu", ST, [SchedP, c_uint32]),
    ("gs_sched_node_free_gpus", c_uint32, [SchedP, c_uint32]),
    ("gs_sched_node_free_cpus", c_uint32, [SchedP, c_uint32]),
    ("gs_sched_node_free_memory", c_uint64, [SchedP, c_uint32]),
    ("gs_sched_free_gpus", c_uint32, [SchedP]),
    ("gs_sched_gpu_job", c_uint64, [SchedP, c_uint32]),
    ("gs_sched_check", ST_SCHED, [SchedP]),
    # durable state (state.h): snapshots and the journal. The restores and
    # gs_sched_open return a handle holding the message on failure too.
    ("gs_sched_save", ST_SCHED, [SchedP, WRITE_FN, c_void_p]),
    ("gs_sched_save_file", ST_SCHED, [SchedP, c_char_p]),
    ("gs_sched_restore", ST_SCHED_OUT,
     [POINTER(SchedP), TopoP, POINTER(RestoreOptionsC), READ_FN, c_void_p]),
    ("gs_sched_restore_buffer", ST_SCHED_OUT,
     [POINTER(SchedP), TopoP, POINTER(RestoreOptionsC), c_char_p,
      c_size_t]),
    ("gs_sched_restore_file", ST_SCHED_OUT,
     [POINTER(SchedP), TopoP, POINTER(RestoreOptionsC), c_char_p]),
    ("gs_sched_open", ST_SCHED_OUT,
     [POINTER(SchedP), TopoP, POINTER(StoreConfigC)]),
    ("gs_sched_checkpoint", ST_SCHED, [SchedP]),
    ("gs_sched_sync", ST_SCHED, [SchedP]),
    ("gs_sched_journal_seq", c_uint64, [SchedP]),
    # ordering, fair share, limits (sched.h). gs_sched_job_priority fails
    # without a message (the wrapper checks the job first);
    # gs_sched_set_limit with a bad kind too (checked).
    ("gs_priority_weights_init", None, [POINTER(PriorityWeightsC)]),
    ("gs_sched_set_priority_weights", ST_SCHED,
     [SchedP, POINTER(PriorityWeightsC)]),
    ("gs_sched_job_priority", ST,
     [SchedP, c_uint64, POINTER(PriorityBreakdownC)]),
    ("gs_sched_set_usage_weights", ST_SCHED,
     [SchedP, c_double, c_double, c_double]),
    ("gs_sched_set_model_weight", ST_SCHED, [SchedP, c_char_p, c_double]),
    ("gs_sched_set_limit", ST_SCHED, [SchedP, c_int, c_char_p, c_uint32]),
    ("gs_sched_configure", ST_SCHED, [SchedP, c_char_p, c_size_t, c_char_p]),
    ("gs_sched_update_usage", ST_SCHED, [SchedP, c_int64]),
    ("gs_sched_share", ShareP, [SchedP]),
    # ordering policies and fair-share algorithms by name, site factors
    # (0.1 libraries from before issue 13 lack them: UnsupportedError)
    ("gs_sched_set_ordering", ST_SCHED, [SchedP, c_char_p, c_char_p],
     OPTIONAL),
    ("gs_sched_ordering", c_char_p, [SchedP], OPTIONAL),
    # the placement policy's and fair-share algorithm's names (from the
    # library of the durable state on, like the functions of state.h)
    ("gs_sched_placement", c_char_p, [SchedP]),
    ("gs_sched_fairshare", c_char_p, [SchedP]),
    ("gs_sched_set_fairshare", ST_SCHED, [SchedP, c_char_p], OPTIONAL),
    ("gs_sched_set_job_factor", ST_SCHED, [SchedP, c_uint64, c_double],
     OPTIONAL),
    # partitions, job defaults, known accounts, holds, changes and time
    # limits (from issue 15 on: UnsupportedError without them). Every
    # failure sets the scheduler's message (gs_sched_partition_info and
    # gs_sched_job_partitions too, though they take a const handle).
    ("gs_partition_spec_init", None, [POINTER(PartitionSpecC)], OPTIONAL),
    ("gs_alloc_entry_init", None, [POINTER(AllocEntryC)], OPTIONAL),
    ("gs_share_save_usage", ST_SHARE,
     [ShareP, POINTER(c_void_p), _szp], OPTIONAL),
    ("gs_sched_export_accounting", ST_SCHED, [SchedP, WRITE_FN, c_void_p],
     OPTIONAL),
    ("gs_sched_job_accounting", ST_SIZED,
     [SchedP, c_uint64, c_char_p, c_size_t, _szp], OPTIONAL),
    ("gs_sched_add_partition", ST_SCHED, [SchedP, POINTER(PartitionSpecC)],
     OPTIONAL),
    ("gs_sched_partition_count", c_uint32, [SchedP], OPTIONAL),
    ("gs_sched_find_partition", c_uint32, [SchedP, c_char_p], OPTIONAL),
    ("gs_sched_partition_info", ST_SCHED,
     [SchedP, c_uint32, POINTER(PartitionInfoC)], OPTIONAL),
    ("gs_sched_node_in_partition", c_int, [SchedP, c_uint32, c_uint32],
     OPTIONAL),
    ("gs_sched_job_partition", c_char_p, [SchedP, c_uint64], OPTIONAL),
    ("gs_sched_job_partitions", ST_SCHED_SIZED,
     [SchedP, c_uint64, c_char_p, c_size_t, _szp], OPTIONAL),
    ("gs_sched_set_job_defaults", ST_SCHED, [SchedP, c_uint32, c_uint64],
     OPTIONAL),
    ("gs_sched_set_auto_accounts", ST_SCHED, [SchedP, c_int], OPTIONAL),
    ("gs_sched_hold", ST_SCHED, [SchedP, c_uint64], OPTIONAL),
    ("gs_sched_release", ST_SCHED, [SchedP, c_uint64], OPTIONAL),
    ("gs_job_update_init", None, [POINTER(JobUpdateC)], OPTIONAL),
    ("gs_sched_update_job", ST_SCHED, [SchedP, c_uint64, POINTER(JobUpdateC)],
     OPTIONAL),
    ("gs_sched_set_timeout_grace", ST_SCHED, [SchedP, c_int64], OPTIONAL),
    ("gs_sched_timeout", ST_SCHED, [SchedP, c_uint64, c_int64], OPTIONAL),
    ("gs_sched_alloc_entry", ST_SCHED,
     [SchedP, c_uint64, c_uint32, POINTER(AllocEntryC), c_char_p, c_size_t],
     OPTIONAL),
    # nvlink-pack's NUMA mode, look-ahead and demand profile (issue 16;
    # UnsupportedError without them). The setters set the scheduler's
    # message on failure; gs_sched_demand cannot fail.
    ("gs_numa_mode_name", c_char_p, [c_int], OPTIONAL),
    ("gs_sched_set_numa_mode", ST_SCHED, [SchedP, c_int], OPTIONAL),
    ("gs_sched_set_demand", ST_SCHED,
     [SchedP, POINTER(DemandEntryC), c_size_t], OPTIONAL),
    ("gs_sched_demand", c_size_t, [SchedP, POINTER(DemandEntryC), c_size_t],
     OPTIONAL),
    ("gs_sched_set_lookahead", ST_SCHED, [SchedP, c_int], OPTIONAL),
    ("gs_sched_numa_mode", c_int, [SchedP], OPTIONAL),
    ("gs_sched_lookahead", c_int, [SchedP, POINTER(c_int)], OPTIONAL),
    # quiet steps (issue 18; UnsupportedError without them)
    ("gs_sched_set_quiet_steps", ST_SCHED, [SchedP, c_int], OPTIONAL),
    ("gs_sched_quiet_steps", c_int, [SchedP, POINTER(c_uint64)], OPTIONAL),
    # shared GPUs: the fragmentation job mix, the measure, per-GPU shares
    # (issue 17; UnsupportedError without them). The wrappers check the
    # GPU; every other failure sets the scheduler's message.
    ("gs_sched_set_frag_classes", ST_SCHED,
     [SchedP, POINTER(FragClassC), c_size_t], OPTIONAL),
    ("gs_sched_frag_classes", c_size_t,
     [SchedP, POINTER(FragClassC), c_size_t], OPTIONAL),
    ("gs_sched_fragmentation", ST_SCHED, [SchedP, _dblp], OPTIONAL),
    ("gs_sched_gpu_share", ST_SCHED, [SchedP, c_uint32, _u32p, _u64p, _u32p],
     OPTIONAL),
    # MIG (issue 17): a GPU's mode and instances, the host's UUIDs
    ("gs_mig_mode_name", c_char_p, [c_int], OPTIONAL),
    ("gs_mig_gpu_name", c_char_p, [c_int], OPTIONAL),
    ("gs_mig_profile_get", ST, [c_int, c_uint32, POINTER(MigProfileInfoC)],
     OPTIONAL),
    ("gs_topo_set_gpu_mig", ST_TOPO, [TopoP, c_uint32, c_uint32, c_char_p],
     OPTIONAL),
    ("gs_topo_set_mig_uuids", ST_TOPO,
     [TopoP, c_uint32, c_uint32, POINTER(c_char_p), c_size_t], OPTIONAL),
    ("gs_topo_gpu_mig", ST,
     [TopoP, c_uint32, POINTER(c_int), POINTER(c_int),
      POINTER(MigInstanceC), c_size_t, _szp], OPTIONAL),
    ("gs_topo_mig_uuid", c_char_p, [TopoP, c_uint32, c_uint32], OPTIONAL),
    ("gs_sched_set_mig_uuid", ST_SCHED,
     [SchedP, c_uint64, c_uint32, c_char_p], OPTIONAL),
    # accounts, usage and fair-share factors (fairshare.h); every failure
    # with a non-NULL handle sets the tree's message, except
    # gs_share_row_get (index checked by the wrapper)
    ("gs_share_create", ST, [POINTER(ShareP)]),
    ("gs_share_destroy", None, [ShareP]),
    ("gs_share_errmsg", c_char_p, [ShareP]),
    ("gs_share_load_accounts", ST_SHARE,
     [ShareP, c_char_p, c_size_t, c_char_p]),
    ("gs_share_load_usage", ST_SHARE,
     [ShareP, c_char_p, c_size_t, c_char_p]),
    ("gs_share_add_account", ST_SHARE,
     [ShareP, c_char_p, c_char_p, c_double]),
    ("gs_share_add_user", ST_SHARE, [ShareP, c_char_p, c_char_p, c_double]),
    ("gs_share_set_usage", ST_SHARE,
     [ShareP, c_char_p, c_char_p, c_double, c_double]),
    ("gs_share_add_usage", ST_SHARE,
     [ShareP, c_char_p, c_char_p, c_double, c_double]),
    ("gs_share_usage", c_double, [ShareP, c_char_p, c_char_p, c_double]),
    ("gs_share_set_half_life", ST_SHARE, [ShareP, c_double]),
    ("gs_share_compute", ST_SHARE, [ShareP, c_int, c_double]),
    ("gs_share_factor", c_double, [ShareP, c_char_p, c_char_p]),
    ("gs_share_row_count", c_size_t, [ShareP]),
    ("gs_share_row_get", ST, [ShareP, c_size_t, POINTER(ShareRowC)]),
    ("gs_share_compute_with", ST_SHARE,
     [ShareP, POINTER(FairshareOpsC), c_double], OPTIONAL),
    ("gs_share_set_factor", ST_SHARE, [ShareP, c_size_t, c_double],
     OPTIONAL),
    # fair-share algorithm registry (no handle: no message; the wrappers
    # say what failed)
    ("gs_fairshare_register", ST, [POINTER(FairshareOpsC)], OPTIONAL),
    ("gs_fairshare_find", POINTER(FairshareOpsC), [c_char_p], OPTIONAL),
    ("gs_fairshare_unregister", ST, [c_char_p], OPTIONAL),
    ("gs_fairshare_count", c_size_t, [], OPTIONAL),
    ("gs_fairshare_name", c_char_p, [c_size_t], OPTIONAL),
    # ordering policy registry (ordering.h; same)
    ("gs_ordering_abi_version", c_uint, [], OPTIONAL),
    ("gs_ordering_register", ST, [POINTER(OrderingOpsC)], OPTIONAL),
    ("gs_ordering_find", POINTER(OrderingOpsC), [c_char_p], OPTIONAL),
    ("gs_ordering_unregister", ST, [c_char_p], OPTIONAL),
    ("gs_ordering_count", c_size_t, [], OPTIONAL),
    ("gs_ordering_name", c_char_p, [c_size_t], OPTIONAL),
    # placement registry
    ("gs_placement_abi_version", c_uint, []),
    ("gs_placement_count", c_size_t, []),
    ("gs_placement_name", c_char_p, [c_size_t]),
    ("gs_placement_find", c_void_p, [c_char_p]),
]


def _errcheck(result, func, args):
    """Turn a negative gs_status into the exception of its class."""
    if result >= 0:
        return result
    spec: Status = func._gs_status
    if spec.sized and result == _ENOSPC:
        return result
    message = ""
    try:
        if spec.msg == "topo" and args and args[0]:
            message = _text(lib.gs_topo_errmsg(args[0]))
        elif spec.msg == "sched" and args and args[0]:
            message = _text(lib.gs_sched_errmsg(args[0]))
        elif spec.msg == "share" and args and args[0]:
            message = _text(lib.gs_share_errmsg(args[0]))
        elif spec.msg in ("topo-out", "sched-out") and args:
            handle = getattr(args[0], "_obj", None)   # byref(h) -> h
            if handle:
                fn = (lib.gs_topo_errmsg if spec.msg == "topo-out"
                      else lib.gs_sched_errmsg)
                message = _text(fn(handle))
    except Exception:  # a message is a nicety; never mask the real error
        message = ""
    if not message:
        message = f"{func.__name__}: {_text(lib.gs_strerror(result))}"
    raise errors.error_from_status(result, message)


def _text(raw: Optional[bytes]) -> str:
    if raw is None:
        return ""
    return raw.decode("utf-8", "replace")


class _Lib:
    """The loaded library with every function of PROTOTYPES declared."""

    def __init__(self, dll: ctypes.CDLL, path: str):
        self._dll = dll
        self.path = path
        self.missing: List[str] = []
        for entry in PROTOTYPES:
            name, restype, argtypes = entry[:3]
            optional = len(entry) > 3 and entry[3] == OPTIONAL
            try:
                fn = getattr(dll, name)
            except AttributeError:
                if not optional:
                    self.missing.append(name)
                continue
            fn.argtypes = argtypes
            if isinstance(restype, Status):
                fn.restype = c_int
                fn._gs_status = restype
                fn.errcheck = _errcheck
            else:
                fn.restype = restype
            setattr(self, name, fn)

    def has(self, name: str) -> bool:
        """Whether the library exports ``name`` (for OPTIONAL functions)."""
        return name in self.__dict__

    def require(self, name: str):
        """The function ``name``, or UnsupportedError when it is absent."""
        fn = self.__dict__.get(name)
        if fn is None:
            raise errors.UnsupportedError(
                f"{name} is not in {self.path} (built without it, or older "
                f"than this binding)")
        return fn


def _candidates() -> Tuple[List[str], bool, List[Tuple[str, str]]]:
    """Paths or names to try, whether they come from GPUSCHED_LIBRARY, and
    notes about places searched that held nothing."""
    notes: List[Tuple[str, str]] = []
    env = os.environ.get(ENV_VAR)
    if env:
        if os.path.isdir(env):
            found = sorted(glob.glob(os.path.join(env, "libgpusched.so*")))
            return (found or [os.path.join(env, "libgpusched.so")]), True, notes
        return [env], True, notes
    notes.append((ENV_VAR, "not set"))
    out: List[str] = []
    here = os.path.dirname(os.path.abspath(__file__))
    for d in (here, os.path.dirname(here)):
        found = sorted(glob.glob(os.path.join(d, "libgpusched.so*")))
        if not found:
            notes.append((os.path.join(d, "libgpusched.so*"), "none there"))
        out.extend(found)
    found = ctypes.util.find_library("gpusched")
    if found:
        out.append(found)
    else:
        notes.append(('ctypes.util.find_library("gpusched")', "not found"))
    out.extend(["libgpusched.so.%d.%d" % EXPECTED_VERSION, "libgpusched.so"])
    seen = set()
    uniq = []
    for c in out:
        if c not in seen:
            seen.add(c)
            uniq.append(c)
    return uniq, False, notes


def _try_load(path: str) -> Tuple[Optional[_Lib], str]:
    try:
        dll = ctypes.CDLL(path, use_errno=True)
    except OSError as e:
        return None, f"cannot load: {e}"
    try:
        ver = dll.gs_version
        ver.restype = c_uint
        ver.argtypes = []
        vs = dll.gs_version_string
        vs.restype = c_char_p
        vs.argtypes = []
    except AttributeError:
        return None, "loaded, but it has no gs_version: not libgpusched"
    number = ver()
    major, minor = number // 10000, number // 100 % 100
    text = _text(vs())
    if (major, minor) != EXPECTED_VERSION:
        return None, (f"version {text} (gs_version() = {number}); this "
                      f"package needs {EXPECTED_VERSION[0]}."
                      f"{EXPECTED_VERSION[1]}.x")
    wrapped = _Lib(dll, path)
    if wrapped.missing:
        return None, (f"version {text}, but it lacks "
                      f"{', '.join(wrapped.missing)}")
    wrapped.version = number
    wrapped.version_string = text
    return wrapped, f"version {text}"


def load() -> _Lib:
    """Find and load libgpusched; raise LibraryError saying what was tried."""
    candidates, explicit, notes = _candidates()
    attempts: List[Tuple[str, str]] = list(notes)
    version_problem = False
    for cand in candidates:
        if os.sep in cand and not os.path.exists(cand):
            attempts.append((cand, "no such file"))
            continue
        got, what = _try_load(cand)
        if got is not None:
            return got
        attempts.append((cand, what))
        version_problem = version_problem or what.startswith("version")
    cls = LibraryVersionError if version_problem else LibraryError
    if explicit:
        raise cls(f"libgpusched named by {ENV_VAR} cannot be used:", attempts)
    raise cls("libgpusched was not found (or none found is usable); tried:",
              attempts)


lib: _Lib = load()
_ENOSPC = -11

# Bind status codes to exception classes from the library's own table.
errors.install_status_table(lambda c: _text(lib.gs_status_name(c)),
                            lambda c: _text(lib.gs_strerror(c)))
for _code, _cls in errors.status_classes().items():
    if _cls.status_name == "GS_ENOSPC":
        _ENOSPC = _code


# ---- reference counts of C handles --------------------------------------
#
# A scheduler's C topology, and the share tree it was given, must outlive
# it. Python objects may be collected in any order (the cyclic collector
# runs finalizers in no particular order), so C handles are counted here:
# each owner (a Topology or Share object, each Scheduler built on it) holds
# one reference, and the handle is destroyed when the last one is
# released, whatever the order.

_refs_lock = threading.Lock()
_refs: Dict[int, list] = {}   # address -> [count, destroy function, pointer]


def ref_new(ptr, destroy) -> int:
    """Register a new C handle with one reference; returns its address."""
    addr = ctypes.cast(ptr, c_void_p).value
    with _refs_lock:
        _refs[addr] = [1, destroy, ptr]
    return addr


def ref_acquire(addr: int) -> None:
    with _refs_lock:
        _refs[addr][0] += 1


def ref_release(addr: int) -> None:
    """Drop one reference; destroy the handle when it was the last."""
    with _refs_lock:
        entry = _refs.get(addr)
        if entry is None:
            return
        entry[0] -= 1
        if entry[0] > 0:
            return
        del _refs[addr]
    entry[1](entry[2])


def live_handles() -> int:
    """Number of C handles still alive (for tests)."""
    with _refs_lock:
        return len(_refs)
