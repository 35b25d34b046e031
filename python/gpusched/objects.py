"""Plain read-only objects that queries return, and the enumerations.

These hold copies of what the library reported at the time of the call
and stay valid after the topology or scheduler they came from is closed.
One exception: a :class:`Node` keeps its Topology object, so that
``node.gpus`` can read the node's GPUs (it keeps the topology alive, and
raises ClosedError once the topology is closed).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Dict, List, NamedTuple, Optional, Tuple, Union

__all__ = [
    "LinkKind", "PcieLevel", "Source", "JobState", "PendingReason",
    "EventKind", "Comm", "Ordering", "FairshareAlgo", "Backfill",
    "PreemptMode", "LimitKind", "SyncPolicy", "Pattern", "NumaMode",
    "Template", "NumaDomain", "Node", "GpuInfo", "Link", "Switch",
    "NvlinkDomain", "Event", "Job", "AllocationNode", "Allocation",
    "PriorityBreakdown", "ShareRow", "PartitionInfo", "PatternInfo",
    "DemandEntry", "FragClass", "GpuShare", "ProbeLib", "ProbeGpu",
    "ProbePair", "ProbeReport",
    "parse_cpulist", "format_cpulist",
]


class _NamedEnum(enum.IntEnum):
    """An IntEnum that prints as its library name ("nvlink", "pending")."""

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")

    @classmethod
    def coerce(cls, value: int):
        """The member for ``value``, or the plain int for a value this
        binding does not know yet (a newer library)."""
        try:
            return cls(value)
        except ValueError:
            return value

    @classmethod
    def parse(cls, value, what: str):
        """The member named by ``value``: a member, its label
        (case-insensitive; "-" and "_" alike) or its int. Raises
        InvalidArgument listing the names for anything else."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            key = value.strip().upper().replace("-", "_")
            if key in cls.__members__:
                return cls.__members__[key]
        elif isinstance(value, int) and not isinstance(value, bool):
            try:
                return cls(value)
            except ValueError:
                pass
        from .errors import InvalidArgument
        names = ", ".join(f'"{m.label}"' for m in cls)
        raise InvalidArgument(f"{what} {value!r} is not one of {names}")


class LinkKind(_NamedEnum):
    """What connects two GPUs (``gs_link_kind``)."""
    NONE = 0         #: different nodes, no NVLink between them
    SELF = 1         #: the same GPU
    PCIE = 2         #: PCIe only
    NVLINK = 3       #: direct NVLink wires
    NVSWITCH = 4     #: an NVSwitch fabric inside the node
    NVL_DOMAIN = 5   #: different nodes of one multi-node NVLink domain


class PcieLevel(_NamedEnum):
    """PCIe relation between two GPUs, as ``nvidia-smi topo -m`` shows it."""
    UNKNOWN = 0
    PIX = 1
    PXB = 2
    PHB = 3
    NODE = 4
    SYS = 5

    @property
    def label(self) -> str:
        return "?" if self is PcieLevel.UNKNOWN else self.name


class Source(_NamedEnum):
    """Where a fact about the machine came from (``gs_source``)."""
    FILE = 0
    INFERRED = 1
    DRIVER = 2
    NVML = 3
    HWLOC = 4


class JobState(_NamedEnum):
    """The state of a job (``gs_job_state``)."""
    PENDING = 0
    RUNNING = 1
    COMPLETED = 2
    FAILED = 3
    CANCELLED = 4
    PREEMPTED = 5
    #: ended by the host at its time limit (Scheduler.timeout(), after a
    #: TIMEOUT event)
    TIMEOUT = 6


class PendingReason(_NamedEnum):
    """Why a pending job has not started (``gs_pending_reason``)."""
    NONE = 0
    RESOURCES = 1
    PRIORITY = 2
    REQUIRED_BUSY = 3
    POLICY = 4
    LIMIT = 5
    RESERVATION = 6
    DEPENDENCY = 7
    #: its submission time is later than the step's ``now``: it waits
    #: until then
    BEGIN_TIME = 8
    #: held by the host (Scheduler.hold()) until released
    HELD = 9


class EventKind(_NamedEnum):
    """What happened to a job during a step (``gs_event_kind``)."""
    STARTED = 1
    FAILED = 2
    PREEMPTED = 3
    REQUEUED = 4
    #: a running job passed its time limit and the grace
    #: (Scheduler.set_timeout_grace()); the scheduler does not stop it:
    #: the host does, then calls Scheduler.timeout()
    TIMEOUT = 5


class Comm(_NamedEnum):
    """How a job communicates between its GPUs (``gs_comm_hint``)."""
    BANDWIDTH = 0    #: bandwidth-sensitive: maximize NVLink bandwidth
    INSENSITIVE = 1  #: placement ignores bandwidth


class Pattern(_NamedEnum):
    """What a job does with its GPUs (``gs_comm_pattern``), which sets the
    bandwidth model placement maximizes (docs/placement.md). Prints as
    "any", "ring", "all-to-all", "chain", "none"; parse() also takes the
    library's other names ("all-reduce", "allreduce", "alltoall", "a2a",
    "pipeline"), case-insensitively, as ``gs_pattern_parse`` does."""
    ANY = 0         #: every GPU with every other: Q(S) (the default)
    RING = 1        #: ring all-reduce (data parallel, NCCL)
    ALL_TO_ALL = 2  #: all-to-all (expert parallel)
    CHAIN = 3       #: a pipeline: the best path through the GPUs
    NONE = 4        #: no communication (like comm="insensitive")

    @classmethod
    def parse(cls, value, what: str):
        """The pattern named by ``value``: a member, an int 0-4, or a name
        ``gs_pattern_parse`` accepts. Raises InvalidArgument (a
        ValueError) naming the value for anything else."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str) and value.isascii():
            found = _PATTERN_NAMES.get(value.lower())
            if found is not None:
                return found
        elif isinstance(value, int) and not isinstance(value, bool):
            try:
                return cls(value)
            except ValueError:
                pass
        from .errors import InvalidArgument
        names = ", ".join(f'"{m.label}"' for m in cls)
        others = ", ".join(f'"{n}"' for n, m in _PATTERN_NAMES.items()
                           if n != m.label)
        raise InvalidArgument(f"{what} {value!r} is not a communication "
                              f"pattern: {names} (also {others}), or 0-"
                              f"{len(cls) - 1}")


#: The names gs_pattern_parse accepts (compared case-insensitively, as
#: they are: no spaces stripped, "_" is not "-").
_PATTERN_NAMES = {
    "any": Pattern.ANY, "ring": Pattern.RING, "all-reduce": Pattern.RING,
    "allreduce": Pattern.RING, "all-to-all": Pattern.ALL_TO_ALL,
    "alltoall": Pattern.ALL_TO_ALL, "a2a": Pattern.ALL_TO_ALL,
    "chain": Pattern.CHAIN, "pipeline": Pattern.CHAIN, "none": Pattern.NONE,
}


class NumaMode(_NamedEnum):
    """How nvlink-pack weighs a job's NUMA domains against what its choice
    leaves for the jobs that come next (``gs_numa_mode``;
    Scheduler.set_numa_mode())."""
    PREFER = 0  #: the remainder first, then fewer NUMA domains (default)
    STRICT = 1  #: fewer NUMA domains first, then the remainder
    IGNORE = 2  #: NUMA domains do not count


class Ordering(_NamedEnum):
    """Who goes first (``gs_ordering``)."""
    MULTIFACTOR = 0  #: weighted age, fair share, size, priority (default)
    FIFO = 1         #: submission time, then id
    PRIORITY = 2     #: the job's priority, then submission time, then id


class FairshareAlgo(_NamedEnum):
    """The fair-share algorithm (``gs_fairshare_algo``); prints as
    "fair-tree" / "classic"."""
    FAIR_TREE = 0    #: Slurm's Fair Tree: rank by Level Fairshare (default)
    CLASSIC = 1      #: Slurm's classic F = 2^(-UE/S)


class Backfill(_NamedEnum):
    """Backfill on top of the ordering (``gs_backfill``)."""
    NONE = 0          #: strict order: the first blocked job holds the rest
    EASY = 1          #: reserve for the first blocked job only
    CONSERVATIVE = 2  #: reserve for every blocked job ahead


class PreemptMode(_NamedEnum):
    """What preemption does to its victims (``gs_preempt_mode``)."""
    OFF = 0       #: no preemption
    REQUEUE = 1   #: victims go back to the queue
    CANCEL = 2    #: victims end in state PREEMPTED


class SyncPolicy(_NamedEnum):
    """When a durable scheduler's journal is flushed to the disk
    (``gs_sync_policy``; ``Scheduler.open(sync=...)``). Every record is
    written to the file before the call returns, so a killed process loses
    nothing under any policy; the policy says what a machine crash or a
    power loss may lose. Parsed from "always", "every" (or "every-n") and
    "never"."""
    ALWAYS = 0   #: fsync after every recorded call: nothing is lost
    EVERY_N = 1  #: fsync every ``sync_every`` calls: up to that many lost
    NEVER = 2    #: only at checkpoints and sync(): unwritten data is lost

    @classmethod
    def parse(cls, value, what: str):
        if isinstance(value, str) and value.strip().lower() == "every":
            return cls.EVERY_N
        return super().parse(value, what)


class LimitKind(_NamedEnum):
    """What a GPU limit applies to (``gs_limit_kind``)."""
    USER = 0     #: GPUs a user's running jobs hold (all accounts)
    ACCOUNT = 1  #: GPUs an account's running jobs hold, sub-accounts too


# ---- cpulists ----------------------------------------------------------


#: The largest CPU number in a cpulist (the library's limit too).
CPU_MAX = 1048575

_CPULIST_PART = re.compile(r"([0-9]+)(?:-([0-9]+)(?::([0-9]+))?)?")


def parse_cpulist(text: str) -> List[int]:
    """Parse a Linux cpulist (``"0-3,8,10-11"``) into sorted CPU numbers.

    Also accepts strides (``"0-7:2"``) as the kernel prints them. Raises
    ValueError on malformed text and on CPU numbers above 1048575 (the
    library's limit: a range such as ``"0-99999999999"`` is an error, not
    a list of 10^11 numbers)."""
    if not isinstance(text, str):
        raise TypeError(f"cpulist must be a string, not "
                        f"{type(text).__name__}")
    out = set()
    text = text.strip()
    if not text:
        return []
    for part in text.split(","):
        m = _CPULIST_PART.fullmatch(part.strip())
        if not m:
            raise ValueError(f"cpulist {text!r}: bad element {part!r}")
        lo = int(m.group(1))
        hi = lo if m.group(2) is None else int(m.group(2))
        stride = 1 if m.group(3) is None else int(m.group(3))
        if hi < lo or stride < 1:
            raise ValueError(f"cpulist {text!r}: bad range {part!r}")
        if hi > CPU_MAX:
            raise ValueError(f"cpulist {text!r}: CPU {hi} is above "
                             f"{CPU_MAX}")
        out.update(range(lo, hi + 1, stride))
    return sorted(out)


def format_cpulist(cpus) -> str:
    """Format CPU numbers as a canonical cpulist (``[0,1,2,5] -> "0-2,5"``).
    TypeError for anything but integers, ValueError for numbers outside
    0..1048575."""
    xs = set()
    for c in cpus:
        if isinstance(c, bool) or not hasattr(type(c), "__index__"):
            raise TypeError(f"CPU numbers must be integers, not "
                            f"{type(c).__name__}")
        c = c.__index__()
        if not 0 <= c <= CPU_MAX:
            raise ValueError(f"CPU {c} is out of range (0..{CPU_MAX})")
        xs.add(c)
    xs = sorted(xs)
    parts = []
    i = 0
    while i < len(xs):
        j = i
        while j + 1 < len(xs) and xs[j + 1] == xs[j] + 1:
            j += 1
        parts.append(str(xs[i]) if i == j else f"{xs[i]}-{xs[j]}")
        i = j + 1
    return ",".join(parts)


# ---- topology objects ---------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A built-in template (``gpusched.templates()``)."""
    name: str
    description: str
    #: True for a whole cluster, False for one node usable with
    #: ``Topology.add_node(name, template=...)``.
    is_cluster: bool


@dataclass(frozen=True)
class NumaDomain:
    """A NUMA domain of a node."""
    index: int
    #: Its logical CPUs as a cpulist ("0-19,40-59").
    cpulist: str
    #: Its memory in bytes (0 if unknown).
    memory: int
    #: The id the operating system gives it (what ``numactl`` and cgroups
    #: take; the index unless the machine numbers them otherwise). None
    #: with a library that does not know OS ids.
    os_id: Optional[int] = None

    @property
    def cpus(self) -> List[int]:
        """The CPU numbers."""
        return parse_cpulist(self.cpulist)


@dataclass(frozen=True, repr=False)
class Node:
    """A node (host) of a topology (``topo.nodes[i]``, ``topo.node(name)``,
    ``for node in topo``). ``node.gpus`` is the sequence of its GPUs."""
    index: int
    name: str
    #: Cluster-wide id of its GPU 0; its GPUs are ``first_gpu + index``.
    first_gpu: int
    gpu_count: int
    cpu_count: int
    numa: Tuple[NumaDomain, ...]
    #: The switch it hangs off, or None.
    switch: Optional[str]
    #: Its multi-node NVLink domain, or None.
    nvlink_domain: Optional[str]
    #: The Topology it came from (what ``gpus`` reads); None when built by
    #: hand or unpickled.
    _topology: object = field(default=None, compare=False, hash=False)
    #: Its features (``Topology.set_node_features``), in the order of
    #: their indexes in the topology (``Topology.features``).
    features: Tuple[str, ...] = ()
    #: Its weight (lower weights are preferred among nodes of equal fit;
    #: 1 unless set).
    weight: int = 1

    @property
    def gpu_ids(self) -> range:
        """Cluster-wide ids of its GPUs."""
        return range(self.first_gpu, self.first_gpu + self.gpu_count)

    @property
    def gpus(self):
        """Its GPUs, by index on the node: a sequence of :class:`GpuInfo`
        (``node.gpus[0]``, ``len(node.gpus)``, iteration) read from the
        topology, which it keeps alive. ClosedError after the topology was
        closed; ValueError for a Node that has no topology (built by hand
        or unpickled)."""
        if self._topology is None:
            raise ValueError(f"node {self.name!r} is not attached to a "
                             f"topology (built by hand or unpickled)")
        from .topology import GpuList
        return GpuList(self._topology, self.first_gpu, self.gpu_count,
                       self.name)

    def __repr__(self) -> str:
        return (f"<Node {self.index} {self.name!r}: {self.gpu_count} "
                f"GPU{'s' * (self.gpu_count != 1)}, {len(self.numa)} NUMA>")

    def __reduce__(self):
        # a copy without the link: pickling a node must not pickle (or
        # need) the whole topology
        return (Node, (self.index, self.name, self.first_gpu, self.gpu_count,
                       self.cpu_count, self.numa, self.switch,
                       self.nvlink_domain, None, self.features, self.weight))


@dataclass(frozen=True, repr=False)
class GpuInfo:
    """Attributes of one GPU (``topo.gpus[i]``, ``topo.gpu(i)``,
    ``node.gpus[index]``)."""
    #: Cluster-wide id.
    id: int
    #: Node index and name.
    node: int
    node_name: str
    #: Index on its node (as nvidia-smi numbers it).
    index: int
    model: Optional[str]
    uuid: Optional[str]
    pci_bus_id: Optional[str]
    #: Device memory in bytes (0 if unknown).
    memory: int
    #: Compute capability (major, minor); (0, 0) if unknown.
    cc: Tuple[int, int]
    sm_count: int
    #: Index of its NUMA domain on its node (``node.numa[gpu.numa]``), or
    #: None if unknown. Not the operating system's id: ``numactl`` and
    #: cgroups take ``node.numa[gpu.numa].os_id``.
    numa: Optional[int]
    #: NVSwitch fabric on its node, or None.
    fabric: Optional[int]
    fabric_links: int
    #: The operating system's id of its NUMA domain (what ``numactl
    #: --membind`` and cgroups take, and nvidia-smi's NUMA Affinity shows),
    #: or None if unknown.
    numa_os_id: Optional[int] = None

    def __repr__(self) -> str:
        where = f"on {self.node_name!r}"
        if self.index != self.id:
            where += f" (its GPU {self.index})"
        numa = "" if self.numa_os_id is None else f", NUMA {self.numa_os_id}"
        return (f"<GPU {self.id} {where}: {self.model or 'model unknown'}"
                f"{numa}>")


@dataclass(frozen=True)
class Link:
    """What connects two GPUs (``Topology.link``)."""
    kind: Union[LinkKind, int]
    #: The NVLink count nvidia-smi would show (fabric links included).
    nvlinks: int
    pcie: Union[PcieLevel, int]
    #: GB/s, one direction.
    bandwidth: float
    source: Union[Source, int]
    #: True when the bandwidth was set explicitly.
    bandwidth_explicit: bool = False

    @property
    def cell(self) -> str:
        """The matrix cell nvidia-smi would show ("NV2", "SYS", "X")."""
        if self.kind == LinkKind.SELF:
            return "X"
        if self.nvlinks:
            return f"NV{self.nvlinks}"
        if self.kind == LinkKind.NONE:
            return "-"
        return str(self.pcie)


@dataclass(frozen=True)
class Switch:
    """A switch of the tree above the nodes."""
    index: int
    name: str
    parent: Optional[str]
    depth: int
    link_speed: int


@dataclass(frozen=True)
class NvlinkDomain:
    """A multi-node NVLink domain."""
    index: int
    name: str
    size: int


# ---- scheduler objects --------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One decision of ``Scheduler.step`` (or a GPU failure)."""
    kind: Union[EventKind, int]
    job: int
    time: int


@dataclass(frozen=True)
class Job:
    """What the scheduler knows about a job."""
    id: int
    state: Union[JobState, int]
    #: Why it waits (pending jobs); PendingReason.NONE otherwise.
    reason: Union[PendingReason, int]
    gpus: int
    #: Nodes it runs on (0 unless it started).
    nodes: int
    submit_time: int
    #: None if it never started / has not ended.
    start_time: Optional[int]
    end_time: Optional[int]
    priority: int
    time_limit: int
    name: Optional[str]
    user: Optional[str]
    account: Optional[str]
    #: Its multifactor priority at the last step (0 with other orderings).
    priority_value: float = 0.0
    requeues: int = 0
    lost_gpu_seconds: float = 0.0
    #: Pending: when the last step's backfill plan expects it to start
    #: (like ``squeue --start``; with backfill "easy", the blocked job at
    #: the head); started: its start time; None when no plan gave one.
    expected_start: Optional[int] = None
    #: True while it is held (Scheduler.hold()).
    held: bool = False
    #: True once it ran past its time limit and the grace (a TIMEOUT event
    #: was queued).
    timed_out: bool = False
    #: The partition it runs in (or ran in, or the only one it may run
    #: in); None without partitions, or while it may run in several
    #: (Scheduler.job_partitions()).
    partition: Optional[str] = None
    #: How it communicates: "any", "ring", "all-to-all", "chain" or
    #: "none" (a job submitted with comm="insensitive" reports "none");
    #: None from a library without communication patterns.
    pattern: Optional[str] = None
    #: Its share of each of its GPUs in milli-GPU: 1 to 999 for a shared
    #: job (``gpu_milli=``/``gpu_share=`` at submission), 1000 for whole
    #: GPUs.
    gpu_milli: int = 1000
    #: Device memory per GPU it asked for, bytes (``gpu_mem=``; 0: none).
    gpu_mem: int = 0
    #: The MIG profile it asked for ("3g.40gb", ``mig_profile=``), None
    #: for a job of whole GPUs or shares.
    mig_profile: Optional[str] = None

    @property
    def shared(self) -> bool:
        """True for a job that asked for a share of its GPUs (gpu_milli
        below 1000): it runs on one node, beside other shared jobs."""
        return self.gpu_milli < 1000

    @property
    def pending(self) -> bool:
        return self.state == JobState.PENDING

    @property
    def running(self) -> bool:
        return self.state == JobState.RUNNING


@dataclass(frozen=True)
class AllocationNode:
    """A job's share of one node."""
    #: The node's index and name.
    node: int
    name: str
    #: GPU indices on the node, increasing (empty for a CPU-only job).
    gpus: Tuple[int, ...]
    #: Their cluster-wide ids.
    gpu_ids: Tuple[int, ...]
    #: CPUs as a cpulist ("" when the node does not account CPUs).
    cpus: str
    cpu_count: int
    #: Host memory in bytes.
    memory: int
    #: CUDA_VISIBLE_DEVICES for this node: indices, and UUIDs (GPUs
    #: without a UUID listed by index).
    visible_devices: str = field(default="", repr=False)
    visible_uuids: str = field(default="", repr=False)
    #: The job's share of each GPU in milli-GPU (1000: whole GPUs).
    gpu_milli: int = 1000
    #: For a shared job, CUDA_MPS_ACTIVE_THREAD_PERCENTAGE: its share in
    #: percent, rounded up (250 milli-GPU: 25); 0 for whole GPUs.
    mps_thread_percentage: int = 0
    #: For a shared job that asked for device memory, the value of
    #: CUDA_MPS_PINNED_DEVICE_MEM_LIMIT ("0=2048M,1=2048M": per visible
    #: device, MiB rounded down); "" otherwise.
    mps_mem_limit: str = ""
    #: For a MIG job: its profile, and per GPU (in the order of ``gpus``)
    #: its instance's start slot and its number in the GPU's fixed layout
    #: (None for an instance made for the job: ``nvidia-smi mig -cgi
    #: PROFILE:START -C`` makes it). visible_devices lists the
    #: instances' UUIDs once known ("" before).
    mig_profile: Optional[str] = None
    mig_starts: Tuple[int, ...] = ()
    mig_instances: Tuple[Optional[int], ...] = ()

    @property
    def cpu_list(self) -> List[int]:
        """The CPUs as numbers."""
        return parse_cpulist(self.cpus)

    def mps_env(self) -> Dict[str, str]:
        """The CUDA MPS settings of a shared job on this node, as
        environment variables for its processes (with an MPS control
        daemon running for the GPUs)::

            {"CUDA_MPS_ACTIVE_THREAD_PERCENTAGE": "25",
             "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT": "0=2048M"}

        The memory limit only when the job asked for device memory; {} for
        a job on whole GPUs."""
        if self.gpu_milli >= 1000 or not self.mps_thread_percentage:
            return {}
        env = {"CUDA_MPS_ACTIVE_THREAD_PERCENTAGE":
               str(self.mps_thread_percentage)}
        if self.mps_mem_limit:
            env["CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"] = self.mps_mem_limit
        return env


@dataclass(frozen=True)
class Allocation:
    """What a job was given, node by node (empty if it never started)."""
    job: int
    nodes: Tuple[AllocationNode, ...]

    @property
    def gpu_ids(self) -> Tuple[int, ...]:
        """Cluster-wide ids of all its GPUs, increasing."""
        return tuple(g for n in self.nodes for g in n.gpu_ids)

    @property
    def gpu_count(self) -> int:
        return sum(len(n.gpus) for n in self.nodes)

    def node(self, node: Union[int, str]) -> AllocationNode:
        """The share of ``node`` (index or name); KeyError if not used."""
        for n in self.nodes:
            if n.node == node or n.name == node:
                return n
        raise KeyError(f"job {self.job} has nothing on node {node!r}")

    def cuda_visible_devices(self, node: Union[int, str, None] = None,
                             uuids: bool = False) -> str:
        """The value of CUDA_VISIBLE_DEVICES for the job on ``node``
        (index or name; may be omitted when the job runs on one node):
        GPU indices ("0,4"), or with ``uuids=True`` their UUIDs."""
        if node is None:
            if len(self.nodes) != 1:
                names = ", ".join(n.name for n in self.nodes) or "none"
                raise ValueError(
                    f"job {self.job} runs on {len(self.nodes)} nodes "
                    f"({names}): say which with node=")
            share = self.nodes[0]
        else:
            share = self.node(node)
        return share.visible_uuids if uuids else share.visible_devices

    def by_node(self) -> Dict[str, Tuple[int, ...]]:
        """Node name -> GPU indices."""
        return {n.name: n.gpus for n in self.nodes}

    def mps_env(self, node: Union[int, str, None] = None) -> Dict[str, str]:
        """The CUDA MPS environment of the job on ``node`` (index or name;
        may be omitted: a shared job runs on one node): see
        AllocationNode.mps_env(). {} for a job on whole GPUs, or one that
        never started."""
        if node is not None:
            return self.node(node).mps_env()
        for n in self.nodes:
            env = n.mps_env()
            if env:
                return env
        return {}


@dataclass(frozen=True)
class PriorityBreakdown:
    """Why a job has the multifactor priority it has, factor by factor
    (``gs_priority_breakdown``; what Slurm's ``sprio`` shows)::

        total = w_age + w_fairshare + w_job_size + w_priority - nice + site

    where each ``w_x`` is the factor ``x`` (in [0, 1]) times its weight
    (``Scheduler.set_priority_weights``) and ``site`` the host's factor
    (``Scheduler.set_job_factor``). ``value`` is what the scheduler's
    ordering policy ranked the job by at the last step (``total`` under
    multifactor)."""
    #: The job's id.
    job: int
    #: The priority: the weighted factors summed, minus nice, plus site.
    total: float
    #: Waiting time / max_age, capped at 1.
    age: float
    #: Fair-share factor of the job's user in its account.
    fairshare: float
    #: GPUs asked / GPUs in the cluster.
    job_size: float
    #: The job's own priority / the largest among pending jobs.
    priority: float
    #: The job's nice value.
    nice: float
    #: Weighted contributions of each factor.
    w_age: float
    w_fairshare: float
    w_job_size: float
    w_priority: float
    #: The host's site factor (Scheduler.set_job_factor), added as it is.
    site: float = 0.0
    #: The job's value under the scheduler's ordering policy at the last
    #: step (equal to total under multifactor; 0 under fifo and priority).
    value: float = 0.0


@dataclass(frozen=True)
class ShareRow:
    """One association of a fair-share tree (``gs_share_row``), as
    ``sshare`` / ``gpusched share`` shows it: an account (``user`` is
    None) or a user in an account. Values are those of the last
    computation (``Share.compute``, or the scheduler's)."""
    #: Depth in the tree: 0 for root, 1 below it...
    depth: int
    account: str
    #: The user, or None for an account row.
    user: Optional[str]
    #: Shares as given, and as a fraction of the whole machine.
    raw_shares: float
    norm_shares: float
    #: Usage (decayed to the computation's time; an account's includes
    #: its descendants'), and as a fraction of root's.
    raw_usage: float
    norm_usage: float
    #: Effective usage (classic) or usage among siblings (fair tree).
    effective_usage: float
    #: The fair-share factor (accounts: the classic factor, or the
    #: fair-tree factor of its best user).
    factor: float
    #: Level Fairshare: shares / usage among siblings (inf without usage).
    level_fs: float
    #: Fair-tree rank of a user (the number of users for the first); 0
    #: for accounts and with the classic algorithm.
    rank: int
    #: Shares among siblings (what ``sshare`` shows as NormShares under
    #: Fair Tree); with "parent" shares, the parent's; 1 for root.
    level_shares: float = 1.0

    @property
    def is_user(self) -> bool:
        """True for a user row, False for an account row."""
        return self.user is not None

    @property
    def name(self) -> str:
        """The user for a user row, else the account."""
        return self.user if self.user is not None else self.account


@dataclass(frozen=True)
class PartitionInfo:
    """A partition of a scheduler (``gs_partition_info``;
    ``Scheduler.partitions``, ``Scheduler.partition(name)``): its settings
    (those of ``Scheduler.add_partition``; 0 means "no limit" or "no
    default") and its counts at the time of the call."""
    #: Its index (the order partitions were added).
    index: int
    name: str
    #: True for the default partition (jobs that name none run here).
    default: bool
    #: Nodes in it, and the GPUs on them.
    nodes: int
    gpus: int
    #: GPUs held by its running jobs, and how many run.
    gpus_in_use: int
    running: int
    max_gpus_per_job: int
    max_gpus_per_user: int
    #: Default and longest time limit, seconds.
    default_time: int
    max_time: int
    priority_tier: int
    def_cpus_per_gpu: int
    #: Bytes.
    def_mem_per_gpu: int


@dataclass(frozen=True)
class PatternInfo:
    """The bandwidth models of a GPU set, one per communication pattern
    (``gs_pattern_info``; Topology.pattern_bandwidth(),
    Topology.pattern_best()), in GB/s, one direction. docs/placement.md
    gives the formulas."""
    #: The set, cluster-wide GPU ids as given (pattern_best: increasing).
    gpus: Tuple[int, ...]
    #: The pattern asked for ("any", "ring", ...): ``bandwidth`` is its
    #: model.
    pattern: str
    #: The model of ``pattern``: the field below that matches it (0 for
    #: "none").
    bandwidth: float
    #: Q(S), the sum of the pair bandwidths ("any"; Topology.quality()).
    q: float
    #: Ring all-reduce ("ring"): the summed rate of the rings packed
    #: greedily into the links.
    ring: float
    #: The best single ring's bottleneck.
    ring_single: float
    #: Rings in the packing.
    rings: int
    #: All-to-all ("all-to-all"): (k - 1) x the weakest effective pair.
    all_to_all: float
    #: The weakest effective pair bandwidth.
    weakest_pair: float
    #: The least bandwidth across a split of the set into halves; 0 when
    #: the set is too large to split exactly (over 20 GPUs).
    bisection: float
    #: Chain ("chain"): the bottleneck of the best path through the set.
    chain: float
    #: True when every model is exact; False when the set spans more than
    #: 16 GPUs of a node or NVLink domain (rings and paths are then those
    #: through the GPUs in id order: a lower bound), or holds more than
    #: 128 GPUs (then only ``q`` is computed, the other models are 0).
    exact: bool


class DemandEntry(NamedTuple):
    """One kind of job of a scheduler's demand profile
    (``gs_demand_entry``; Scheduler.demand()): a tuple (gpus, pattern,
    weight)."""
    #: GPUs on a node (1 to 64).
    gpus: int
    #: Its pattern's name ("ring"...).
    pattern: str
    #: Its share of the demand (the shares of a profile sum to 1).
    weight: float


class FragClass(NamedTuple):
    """One kind of job the fragmentation measure expects
    (``gs_frag_class``; Scheduler.set_frag_classes(),
    Scheduler.frag_classes()): a tuple (gpus, gpu_milli, cpus, mem,
    weight)."""
    #: GPUs (1 to 64).
    gpus: int
    #: Share of each GPU in milli-GPU (1 to 1000; 1000: whole GPUs).
    gpu_milli: int = 1000
    #: CPUs in all (0: none).
    cpus: int = 0
    #: Host memory in all, bytes (0: none).
    mem: int = 0
    #: Its weight; frag_classes() reports shares that sum to 1.
    weight: float = 1.0


class GpuShare(NamedTuple):
    """What the jobs on one GPU use (Scheduler.gpu_share()): a tuple
    (milli, mem, jobs)."""
    #: The share in use, milli-GPU (1000 when a whole-GPU job holds it).
    milli: int
    #: Device memory the shared jobs on it use, bytes (a whole-GPU job:
    #: all of the GPU's).
    mem: int
    #: Jobs on it.
    jobs: int

    @property
    def free_milli(self) -> int:
        """The share still free for shared jobs (1000 - milli). A drained
        or failed GPU has it too, but no job is placed there."""
        return 1000 - self.milli


# ---- the device probe ----------------------------------------------------


@dataclass(frozen=True)
class ProbeLib:
    """What the probe got from one source (the CUDA driver, NVML, hwloc)."""
    #: The library status: 0 when read; the code of NoDeviceError when its
    #: library was not found (or there is no device), DriverError when it
    #: failed, UnsupportedError when too old, not built in or turned off.
    status: int
    #: Its symbolic name ("GS_OK", "GS_ENODEV"...).
    status_name: str
    #: What happened, one line ("" when there is nothing to say).
    message: str
    #: The library name or path given to the dynamic loader (hwloc: the
    #: XML file or "this machine"); None when unused.
    name: Optional[str]

    @property
    def ok(self) -> bool:
        return self.status == 0


@dataclass(frozen=True)
class ProbeGpu:
    """What the probe knows about one GPU beyond :class:`GpuInfo`."""
    #: Index on the probed node.
    index: int
    #: CUDA device ordinal in the probing process; None when the GPU was
    #: seen by hwloc alone.
    cuda_ordinal: Optional[int]
    #: NVML's (machine-wide) index, None without NVML.
    nvml_index: Optional[int]
    multi_gpu_board: Optional[bool]
    board_group: Optional[int]
    #: MIG mode now and after the next reset (None: unknown/unsupported).
    mig_mode: Optional[bool]
    mig_pending: Optional[bool]
    nvlinks_active: int
    nvlinks_to_gpus: int
    nvlinks_to_switches: int
    nvlinks_to_cpus: int
    nvlinks_other: int
    #: Sources of its attributes, its NUMA domain and its NVLink facts.
    attr_source: Union[Source, int]
    numa_source: Union[Source, int]
    nvlink_source: Union[Source, int]


@dataclass(frozen=True)
class ProbePair:
    """What the probe knows about a pair of GPUs beyond :class:`Link`."""
    a: int
    b: int
    #: cuDeviceGetP2PAttribute: access, native atomics (None: unknown).
    access_supported: Optional[bool]
    native_atomics: Optional[bool]
    #: The driver's relative rank of the link (lower is better).
    performance_rank: Optional[int]
    #: NVML's P2P status over NVLink.
    nvlink_p2p: Optional[bool]
    nvlink_source: Union[Source, int]
    pcie_source: Union[Source, int]


@dataclass(frozen=True)
class ProbeReport:
    """What ``Topology.probe`` found (``gs_probe_report``). A copy: it
    stays valid after the topology is closed."""
    status_name: str
    #: True when the node comes from hwloc alone (``partial=True`` after
    #: the driver gave nothing).
    partial: bool
    gpus: int
    cuda: ProbeLib
    nvml: ProbeLib
    hwloc: ProbeLib
    #: cuDriverGetVersion (12040 is CUDA 12.4), None when unknown.
    cuda_driver_version: Optional[int]
    #: Devices the driver counted, and how many of them vanished.
    cuda_devices: int
    vanished: int
    nvml_driver_version: Optional[str]
    #: GPUs NVML sees (all of the machine's), None without NVML.
    nvml_devices: Optional[int]
    #: CUDA_VISIBLE_DEVICES as the probe saw it (None: not set), how many
    #: of its entries CUDA takes, and where it stops (None: reads all).
    cuda_visible_devices: Optional[str]
    visible_entries: int
    visible_stop: Optional[int]
    gpu_info: Tuple[ProbeGpu, ...] = ()
    pairs: Dict[Tuple[int, int], ProbePair] = field(default_factory=dict)
    #: The warnings the probe gave.
    warnings: Tuple[str, ...] = ()
