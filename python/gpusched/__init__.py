"""gpusched: GPU-aware scheduling, from Python.

A binding (ctypes, no compiled extension) of libgpusched, the C library
that decides which job runs next and on which GPUs::

    import gpusched

    topo = gpusched.Topology.load("dgx1-v100")
    topo.quality([0, 1, 2, 3])            # 225.0 GB/s
    print(topo.matrix())                  # as nvidia-smi topo -m shows it

    with gpusched.Scheduler(topo) as sched:
        job = sched.submit(2, submit_time=0)
        sched.step(now=0)
        sched.allocation(job).cuda_visible_devices()

Classes: :class:`Topology`, :class:`Scheduler`, :class:`Share` (accounts,
usage and fair-share factors); ordering policies and fair-share algorithms
written in Python (:func:`register_ordering`, :func:`register_fairshare`,
which see an :class:`OrderJob`); the sequences of nodes and GPUs
(:class:`NodeList`, :class:`GpuList`: ``topo[0]``, ``topo.gpus[-1]``,
``for gpu in node.gpus``); the read-only objects they return
(:class:`GpuInfo`, :class:`Link`, :class:`Node`, :class:`Job`,
:class:`Allocation`, :class:`AllocationNode`, :class:`Event`,
:class:`PriorityBreakdown`, :class:`ShareRow`, :class:`PartitionInfo`,
:class:`PatternInfo`, :class:`DemandEntry`, :class:`FragClass`,
:class:`GpuShare`...);
one exception class per library status, all deriving from :class:`Error`.

The shared library is found through ``GPUSCHED_LIBRARY``, then next to this
package, then on the system (see ``gpusched._lib``); importing fails with
an ImportError (:class:`LibraryError`) saying what was tried.
"""

from __future__ import annotations

from . import _lib
from ._lib import EXPECTED_VERSION, LibraryError, LibraryVersionError
from .errors import *  # noqa: F401,F403  (the exception classes)
from .errors import __all__ as _errors_all
from .errors import error_class, error_from_status, status_classes
from .fairshare import Share
from .objects import (Allocation, AllocationNode, Backfill, Comm,
                      DemandEntry, Event, EventKind, FairshareAlgo,
                      FragClass, GpuInfo, GpuShare, Job, JobState,
                      LimitKind, Link, LinkKind, Node, NumaDomain, NumaMode,
                      NvlinkDomain, Ordering, PartitionInfo, Pattern,
                      PatternInfo, PcieLevel, PendingReason, PreemptMode,
                      PriorityBreakdown, ProbeGpu, ProbeLib, ProbePair,
                      ProbeReport, ShareRow, Source, Switch, SyncPolicy,
                      Template, format_cpulist, parse_cpulist)
from .ordering import (OrderJob, fairshare_algorithms, orderings,
                       register_fairshare, register_ordering,
                       unregister_fairshare, unregister_ordering)
from .scheduler import Scheduler, placements
from .topology import (GpuList, NodeList, Topology, formats, parse_size,
                       template_json, templates)

#: Version of this Python package.
__version__ = "0.1.0"


def library_version() -> str:
    """The version of the loaded libgpusched ("0.1.0")."""
    return _lib.lib.version_string


def library_path() -> str:
    """Where the loaded libgpusched came from."""
    return _lib.lib.path


# Status codes the C library has and this package does not name yet get
# classes too; make them importable from the package.
for _cls in status_classes().values():
    globals().setdefault(_cls.__name__, _cls)

__all__ = [
    "Topology", "Scheduler", "Share", "templates", "template_json", "formats",
    "placements", "orderings", "fairshare_algorithms", "register_ordering",
    "unregister_ordering", "register_fairshare", "unregister_fairshare",
    "OrderJob", "parse_size", "parse_cpulist", "format_cpulist",
    "library_version", "library_path", "EXPECTED_VERSION",
    "LibraryError", "LibraryVersionError",
    "GpuInfo", "Link", "Node", "NumaDomain", "Switch", "NvlinkDomain",
    "NodeList", "GpuList",
    "Template", "Job", "Event", "Allocation", "AllocationNode",
    "ProbeReport", "ProbeLib", "ProbeGpu", "ProbePair",
    "PriorityBreakdown", "ShareRow", "PartitionInfo", "PatternInfo",
    "DemandEntry", "FragClass", "GpuShare",
    "LinkKind", "PcieLevel", "Source", "JobState", "PendingReason",
    "EventKind", "Comm", "Ordering", "FairshareAlgo", "Backfill",
    "PreemptMode", "LimitKind", "SyncPolicy", "Pattern", "NumaMode",
    *(name for name in _errors_all
      if name not in ("error_class", "error_from_status", "status_classes")),
    "error_class", "error_from_status", "status_classes",
]
