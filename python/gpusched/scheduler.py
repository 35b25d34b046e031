"""The scheduler: jobs on a frozen topology (``gs_sched``)."""

from __future__ import annotations

import ctypes
import inspect
from contextlib import contextmanager
from ctypes import byref, c_char_p, c_size_t, c_uint32, c_uint64
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from . import _lib
from ._handle import (HandleOwner, check_bool, check_index, check_int,
                      check_number, decode, encode)
from ._lib import NONE, lib
from .errors import (InvalidArgument, NotFoundError, StateError,
                     UnsupportedError)
from .fairshare import Share, text_bytes
from .objects import (Allocation, AllocationNode, Backfill, Comm, Event,
                      EventKind, FairshareAlgo, Job, JobState, LimitKind,
                      Ordering, PendingReason, PreemptMode, PriorityBreakdown,
                      ShareRow)
from .ordering import fairshare_choice, ordering_choice
from .topology import Topology, parse_cc, parse_size, sized_text, sized_u32

__all__ = ["Scheduler", "placements"]

_CVD_UUIDS = 0x1
#: gs_ordering names, in the order of their values.
_ORDERINGS = tuple(m.label for m in Ordering)
_I64 = (_lib.INT64_MIN, _lib.INT64_MAX)
#: The site factor's bounds (GS_WEIGHT_MAX).
_SITE_FACTOR_MAX = 1e15
#: Times (now, submission times) and durations (time limits, periods) the
#: library accepts (GS_TIME_MAX): beyond them sums of two could overflow.
_TIME = (-_lib.TIME_MAX, _lib.TIME_MAX)
_DURATION = (0, _lib.TIME_MAX)


def placements() -> List[str]:
    """Names of the registered placement policies (built-ins first:
    "first-fit", "best-fit", "spread", "nvlink-pack")."""
    return [decode(lib.gs_placement_name(i)) or ""
            for i in range(lib.gs_placement_count())]


def _job_keywords(gpus: int, *, gpus_per_node: int = 0, min_nodes: int = 0,
                  max_nodes: int = 0, cpus_per_gpu: int = 0,
                  mem_per_gpu: Union[int, str] = 0,
                  min_gpu_memory: Union[int, str] = 0,
                  gpu_models: Union[str, Sequence[str], None] = None,
                  min_cc: Union[str, Tuple[int, int], None] = None,
                  require_gpus: Iterable[int] = (),
                  require_uuids: Iterable[str] = (),
                  exclusive: bool = False, one_nvlink_domain: bool = False,
                  comm: Union[str, Comm] = "bandwidth",
                  name: Optional[str] = None, user: Optional[str] = None,
                  account: Optional[str] = None, priority: int = 0,
                  time_limit: int = 0, submit_time: int = 0, nice: int = 0,
                  preemptible: bool = False, depends_on: int = 0):
    """The keywords of a job request (shared by submit and preview)."""


_SIGNATURE = inspect.signature(_job_keywords)


def _comm_code(value) -> int:
    if isinstance(value, Comm):
        return int(value)
    if isinstance(value, str):
        try:
            return int(Comm[value.strip().upper()])
        except KeyError:
            pass
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return int(Comm(value))
        except ValueError:
            pass
    raise InvalidArgument(f"comm {value!r} must be \"bandwidth\" or "
                          f"\"insensitive\"")


def _u32(value, what: str) -> int:
    return check_int(value, what, 0, _lib.UINT32_MAX)


def _build_spec(args: tuple, kwargs: dict):
    """A gs_job_spec from submit()/preview() arguments, and the Python
    objects it points into (kept alive by the caller during the call)."""
    try:
        bound = _SIGNATURE.bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"job request: {e}") from None
    bound.apply_defaults()
    a = bound.arguments
    spec = _lib.new_struct(_lib.JobSpecC, "gs_job_spec_init")
    keep: list = []
    spec.gpus = _u32(a["gpus"], "gpus")
    spec.gpus_per_node = _u32(a["gpus_per_node"], "gpus_per_node")
    spec.min_nodes = _u32(a["min_nodes"], "min_nodes")
    spec.max_nodes = _u32(a["max_nodes"], "max_nodes")
    spec.cpus_per_gpu = _u32(a["cpus_per_gpu"], "cpus_per_gpu")
    spec.mem_per_gpu = parse_size(a["mem_per_gpu"], "mem_per_gpu")
    spec.min_gpu_memory = parse_size(a["min_gpu_memory"], "min_gpu_memory")
    models = a["gpu_models"]
    if models is not None and not isinstance(models, str):
        items = []
        for m in models:
            if not isinstance(m, str):
                raise TypeError(f"gpu_models entries must be strings, not "
                                f"{type(m).__name__}")
            if "," in m or not m.strip():
                raise InvalidArgument(f"gpu_models entry {m!r} is empty or "
                                      f"contains a comma")
            items.append(m)
        models = ",".join(items)
    spec.gpu_models = encode(models, "gpu_models")
    spec.min_cc_major, spec.min_cc_minor = parse_cc(a["min_cc"], "min_cc")
    req = a["require_gpus"]
    if isinstance(req, int) and not isinstance(req, bool):
        req = [req]
    if isinstance(req, (str, bytes)):
        raise TypeError("require_gpus must be GPU ids (integers), not a "
                        "string")
    req = [_u32(g, "require_gpus[]") for g in req]
    if req:
        arr = (c_uint32 * len(req))(*req)
        keep.append(arr)
        spec.require_gpus = ctypes.cast(arr, ctypes.POINTER(c_uint32))
        spec.n_require_gpus = len(req)
    uuids = a["require_uuids"]
    if isinstance(uuids, str):
        uuids = [uuids]
    uuids = [encode(u, "require_uuids[]", allow_none=False) for u in uuids]
    if uuids:
        arr = (c_char_p * len(uuids))(*uuids)
        keep.append((arr, uuids))
        spec.require_uuids = ctypes.cast(arr, ctypes.POINTER(c_char_p))
        spec.n_require_uuids = len(uuids)
    spec.exclusive = int(check_bool(a["exclusive"], "exclusive"))
    spec.one_nvlink_domain = int(check_bool(a["one_nvlink_domain"],
                                            "one_nvlink_domain"))
    spec.comm = _comm_code(a["comm"])
    spec.name = encode(a["name"], "name")
    spec.user = encode(a["user"], "user")
    spec.account = encode(a["account"], "account")
    spec.priority = check_int(a["priority"], "priority", *_I64)
    spec.time_limit = check_int(a["time_limit"], "time_limit", *_DURATION)
    spec.submit_time = check_int(a["submit_time"], "submit_time", *_TIME)
    # fields of later versions: only when the library's struct has them
    for fld, value, default in (
            ("nice", check_int(a["nice"], "nice", *_I64), 0),
            ("preemptible",
             int(check_bool(a["preemptible"], "preemptible")), 0),
            ("depends_on", check_int(a["depends_on"], "depends_on", 0,
                                     _lib.UINT64_MAX), 0)):
        if _lib.field_known(spec, fld):
            setattr(spec, fld, value)
        elif value != default:
            raise UnsupportedError(f"job spec: {fld} is not supported by "
                                   f"this library version")
    return spec, keep


class Scheduler(HandleOwner):
    """Jobs on a frozen topology: who runs, and on which GPUs.

    The caller drives it and owns the clock: ``submit`` queues jobs,
    ``step(now)`` starts what can start and returns what happened,
    ``complete``/``fail``/``cancel`` end jobs::

        topo = Topology.load("dgx1-v100")
        with Scheduler(topo) as sched:
            job = sched.submit(2)
            sched.step(now=0)
            sched.allocation(job).cuda_visible_devices()   # "0,3"

    Jobs are identified by integer ids (from 1, never reused). GPUs are
    cluster-wide ids of the topology; nodes are indices or hostnames.

    Who goes first is set by the constructor's keywords (``ordering``,
    ``fairshare``, ``backfill``, ``preempt``, ``share``), configure()
    (the JSON accounts/config file) and the set_* methods; ordering
    policies and fair-share algorithms of your own are registered with
    gpusched.register_ordering() / register_fairshare() and picked by
    name. priority(job) explains a job's multifactor priority,
    :attr:`share` and fairshare_report() show the accounts and their
    fair-share factors::

        with Scheduler(topo, backfill="easy", share=Share(accounts)) as s:
            s.set_priority_weights(fairshare=10000, age=1000)
            s.set_limit("user", None, 8)      # at most 8 GPUs per user

    The scheduler holds a reference to its topology: the topology stays
    alive while the scheduler does, even if you drop or close your
    Topology object. A scheduler is meant for one thread at a time (calls
    are serialized by a lock).
    """

    _kind = "scheduler"
    #: True while a call of this scheduler is in the library (see _use).
    _busy = False

    def __init__(self, topology: Topology, placement: str = "nvlink-pack",
                 placement_options: Optional[str] = None, *,
                 ordering: Union[str, Ordering, None] = None,
                 ordering_options: Optional[str] = None,
                 fairshare: Union[str, FairshareAlgo, None] = None,
                 backfill: Union[str, Backfill, None] = None,
                 backfill_depth: Optional[int] = None,
                 backfill_horizon: Optional[int] = None,
                 preempt: Union[bool, str, PreemptMode, None] = None,
                 share: Optional[Share] = None) -> None:
        """Create a scheduler on a frozen topology.

        Every keyword left at None keeps the library's default. More
        settings (weights, limits, accounts) come from configure() and the
        set_* methods.

        Args:
            topology: a frozen :class:`Topology`.
            placement: a policy name from :func:`placements`.
            placement_options: options for the policy's init (text).
            ordering: who goes first: "multifactor" (the default: weighted
                age, fair share, job size and priority, plus the site
                factor), "fifo" (submission time, then id), "priority"
                (the job's priority, then submission time), or a policy
                registered with gpusched.register_ordering() (see
                gpusched.orderings()).
            ordering_options: options for the ordering policy's init
                (text; read by policies written in C).
            fairshare: the fair-share algorithm: "fair-tree" (the
                default), "classic", or one registered with
                gpusched.register_fairshare().
            backfill: "none" (the default: strict order), "easy"
                (reserve for the first blocked job, start later jobs that
                delay no reservation) or "conservative" (reserve for every
                blocked job ahead). Only jobs with a time limit backfill.
            backfill_depth: most pending jobs looked at behind a blocked
                one (0: 100).
            backfill_horizon: furthest a reservation may lie ahead,
                seconds (0: one week).
            preempt: "off" (the default), "requeue" (victims go back to
                the queue) or "cancel" (victims end, state PREEMPTED);
                True means "requeue", False "off". Only jobs submitted
                with ``preemptible=True`` are preempted, by jobs that
                outrank them.
            share: a :class:`Share` with the accounts, shares and usage to
                rank by; the scheduler charges its jobs' usage to it and
                keeps it alive. None: the scheduler keeps its own tree,
                adding users as jobs arrive (see :attr:`share`).

        Raises:
            NotFrozenError: the topology is not frozen.
            NotFoundError: no such placement policy.
            InvalidArgument: an unknown mode, ordering or fair-share name,
                or a value out of range.
            UnsupportedError: a node has more than 64 GPUs.
            ClosedError: ``share`` is closed.
        """
        super().__init__()
        if not isinstance(topology, Topology):
            raise TypeError(f"topology must be a gpusched.Topology, not "
                            f"{type(topology).__name__}")
        if share is not None and not isinstance(share, Share):
            raise TypeError(f"share must be a gpusched.Share, not "
                            f"{type(share).__name__}")
        cfg = _lib.new_struct(_lib.SchedConfigC, "gs_sched_config_init")
        cfg.placement = encode(placement, "placement")
        cfg.placement_options = encode(placement_options, "placement_options")
        if preempt is True:
            preempt = PreemptMode.REQUEUE
        elif preempt is False:
            preempt = PreemptMode.OFF
        if not isinstance(placement, (str, bytes)):
            raise TypeError(f"placement must be a policy name, not "
                            f"{type(placement).__name__}")
        # built-in orderings and algorithms by number (any library has
        # them), others by name (libraries from issue 13 on)
        for fld, value, choose in (
                ("ordering", ordering, ordering_choice),
                ("fairshare", fairshare, fairshare_choice)):
            if value is None:
                continue
            chosen = choose(value, fld)
            if isinstance(chosen, str):
                if not _lib.field_known(cfg, fld + "_name"):
                    raise UnsupportedError(  # pragma: no cover (old lib)
                        f"{fld} by name is not supported by this library "
                        f"version")
                setattr(cfg, fld + "_name", chosen.encode("utf-8"))
            else:
                setattr(cfg, fld, int(chosen))
        if ordering_options is not None:
            if not _lib.field_known(cfg, "ordering_options"):
                raise UnsupportedError(  # pragma: no cover (old lib)
                    "ordering_options is not supported by this library "
                    "version")
            cfg.ordering_options = encode(ordering_options,
                                          "ordering_options")
        settings = [
            ("backfill", backfill, lambda v: Backfill.parse(v, "backfill")),
            ("backfill_depth", backfill_depth,
             lambda v: _u32(v, "backfill_depth")),
            ("backfill_horizon", backfill_horizon,
             lambda v: check_int(v, "backfill_horizon", *_DURATION)),
            ("preempt", preempt, lambda v: PreemptMode.parse(v, "preempt")),
        ]
        for fld, value, convert in settings:
            if value is None:
                continue
            if not _lib.field_known(cfg, fld):
                raise UnsupportedError(f"{fld} is not supported by this "
                                       f"library version")
            setattr(cfg, fld, int(convert(value)))
        if share is not None:
            if not _lib.field_known(cfg, "share"):
                raise UnsupportedError("share is not supported by this "
                                       "library version")
            # one lock for the scheduler and its tree: calls through either
            # are serialized
            self._lock = share._lock
        acquired: List[int] = []
        anchor: Optional[int] = None
        try:
            with self._lock:
                if share is not None:
                    cfg.share = share._check()
                    anchor = share._anchor()
                    _lib.ref_acquire(anchor)
                    acquired.append(anchor)
                with topology._use() as tp:
                    _lib.ref_acquire(topology._addr)
                    acquired.insert(0, topology._addr)
                    out = _lib.SchedP()
                    try:
                        lib.gs_sched_create(byref(out), tp, byref(cfg))
                    except BaseException:
                        if out:
                            lib.gs_sched_destroy(out)
                        raise
                    self._adopt(out, lib.gs_sched_destroy, acquired)
                    acquired = []   # the finalizer releases them now
                    self._tp = tp
        except BaseException:
            for addr in acquired:
                _lib.ref_release(addr)
            raise
        self._topology = topology
        #: The Share given to the constructor (kept alive), or None.
        self._share = share
        #: What keeps the scheduler's tree alive (see Share._anchor).
        self._share_anchor = anchor if anchor is not None else self._addr
        self.placement = placement

    def __reduce__(self):
        raise TypeError("a Scheduler cannot be pickled (its jobs live in the "
                        "C library)")

    @property
    def topology(self) -> Topology:
        """The Topology the scheduler was created on."""
        return self._topology

    @contextmanager
    def _use(self) -> Iterator:
        # The library forbids a policy callback to call the scheduler that
        # runs it (its lists are being walked): the lock lets the same
        # thread in, this flag does not.
        with self._lock:
            if self._busy:
                raise StateError("a policy function called the scheduler "
                                 "that is running it (step, complete...); "
                                 "it must not")
            self._busy = True
            try:
                with super()._use() as p:
                    yield p
            finally:
                self._busy = False

    # ---- checks -------------------------------------------------------

    def _node(self, node: Union[int, str]) -> int:
        tp = self._tp
        if isinstance(node, str):
            idx = lib.gs_topo_find_node(tp, encode(node, "node"))
            if idx == NONE:
                raise NotFoundError(f"no node named {node!r}")
            return idx
        return check_index(node, "node", lib.gs_topo_node_count(tp), "nodes")

    def _gpu(self, gpu: int) -> int:
        return check_index(gpu, "GPU", lib.gs_topo_gpu_count(self._tp),
                           "GPUs")

    @staticmethod
    def _job_id(job) -> int:
        if isinstance(job, Job):
            job = job.id
        return check_int(job, "job", 0, _lib.UINT64_MAX)

    @staticmethod
    def _now(now) -> int:
        return check_int(now, "now", *_TIME)

    # ---- jobs ---------------------------------------------------------

    def submit(self, *args, **kwargs) -> int:
        """Queue a job; returns its id. The job starts at a later step().

        ``gpus`` is the total number of GPUs (all or nothing). Keywords
        (all optional; the defaults mean "no constraint"):

        - ``gpus_per_node``, ``min_nodes``, ``max_nodes``: how the GPUs may
          be split over nodes (``gpus_per_node`` must divide ``gpus``);
        - ``cpus_per_gpu``, ``mem_per_gpu`` (bytes or "16GiB"): host
          resources per GPU, from the GPUs' NUMA domains first;
        - ``min_gpu_memory`` (bytes or "40GiB"), ``gpu_models`` ("A100" or
          ["A100", "H100"], substrings, case-insensitive), ``min_cc``
          ("8.0" or (8, 0)): which GPUs qualify;
        - ``require_gpus`` (cluster-wide ids), ``require_uuids``: GPUs the
          job must include;
        - ``exclusive``: its nodes run no other job; ``one_nvlink_domain``:
          one node or one multi-node NVLink domain;
        - ``comm``: "bandwidth" (default; maximize NVLink bandwidth) or
          "insensitive";
        - ``name``, ``user``, ``account``, ``priority``, ``time_limit``
          (seconds), ``submit_time`` (your clock), ``nice``,
          ``preemptible``, ``depends_on`` (a job id).

        Raises:
            InvalidArgument: the request is invalid (the message names the
                field, e.g. "job spec: gpus must be at least 1").
            RangeError: a number outside its field (counts 0..2^32-1,
                ``submit_time`` within +-2^60, ``time_limit`` 0..2^60).
            TypeError: a value of the wrong type (``gpus=2.0``,
                ``exclusive="no"``).
            NoResourcesError: the cluster could never run it, even idle.
        """
        spec, keep = _build_spec(args, kwargs)
        job = c_uint64(0)
        with self._use() as p:
            lib.gs_sched_submit(p, byref(spec), byref(job))
        del keep
        return job.value

    def preview(self, *args, **kwargs) -> List[int]:
        """Where would this job go now? Runs the placement policy without
        queueing anything or changing any state, and returns the chosen
        cluster-wide GPU ids, increasing. Takes the same arguments as
        submit().

        Raises NoResourcesError (the message says why) when it cannot be
        placed now, InvalidArgument for a bad request."""
        spec, keep = _build_spec(args, kwargs)
        count = c_size_t(0)
        with self._use() as p:
            # no more than the cluster has (a larger request fails in the
            # library; gpus=2**32-1 must not allocate 16 GiB here). Under
            # the lock: a closed scheduler's topology may be gone.
            cap = max(1, min(spec.gpus, lib.gs_topo_gpu_count(self._tp)))
            out = (c_uint32 * cap)()
            lib.gs_sched_preview(p, byref(spec), out, cap, byref(count))
        del keep
        return list(out[:count.value])

    submit.__signature__ = _SIGNATURE.replace(parameters=[
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        *_SIGNATURE.parameters.values()], return_annotation="int")
    preview.__signature__ = _SIGNATURE.replace(parameters=[
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        *_SIGNATURE.parameters.values()], return_annotation="List[int]")

    def step(self, now: int = 0) -> List[Event]:
        """Start every job that can start at time ``now`` (your clock, an
        integer within +-2^60 seconds, like every ``now``) and
        return the events: one STARTED event per job started and, with
        preemption on, a PREEMPTED event per victim (followed by REQUEUED
        when it goes back to the queue).

        Pending jobs are taken in the ordering's order; jobs waiting for
        a dependency or held by a limit do not hold back the others. The
        first job that cannot start may preempt jobs it outranks (with
        ``preempt``), or else holds back the rest (reason PRIORITY) unless
        backfill lets jobs with a time limit start around it."""
        t = self._now(now)
        with self._use() as p:
            lib.gs_sched_step(p, t, None)
            return self._events(p)

    def _events(self, p) -> List[Event]:
        out = []
        for i in range(lib.gs_sched_event_count(p)):
            ev = _lib.out_struct(_lib.EventC)
            lib.gs_sched_event(p, i, byref(ev))
            out.append(Event(EventKind.coerce(ev.kind), ev.job, ev.time))
        return out

    @property
    def events(self) -> List[Event]:
        """The events of the last step() or fail_gpu()."""
        with self._use() as p:
            return self._events(p)

    def complete(self, job: int, now: int = 0) -> None:
        """A running job ended normally; its resources are freed.
        NotFoundError for an unknown job, StateError if it is not running."""
        j, t = self._job_id(job), self._now(now)
        with self._use() as p:
            lib.gs_sched_complete(p, j, t)

    def fail(self, job: int, now: int = 0) -> None:
        """A running job failed; its resources are freed."""
        j, t = self._job_id(job), self._now(now)
        with self._use() as p:
            lib.gs_sched_fail(p, j, t)

    def cancel(self, job: int, now: int = 0) -> None:
        """Cancel a pending or running job (StateError if it already
        ended)."""
        j, t = self._job_id(job), self._now(now)
        with self._use() as p:
            lib.gs_sched_cancel(p, j, t)

    def _job_info(self, p, j: int) -> Job:
        info = _lib.out_struct(_lib.JobInfoC)
        try:
            lib.gs_sched_job_info(p, j, byref(info))
        except NotFoundError:
            raise NotFoundError(f"no job {j}") from None
        return Job(
            id=info.id, state=JobState.coerce(info.state),
            reason=PendingReason.coerce(info.reason), gpus=info.gpus,
            nodes=info.nodes, submit_time=info.submit_time,
            start_time=None if info.start_time < 0 else info.start_time,
            end_time=None if info.end_time < 0 else info.end_time,
            priority=info.priority, time_limit=info.time_limit,
            name=decode(info.name), user=decode(info.user),
            account=decode(info.account),
            priority_value=info.priority_value, requeues=info.requeues,
            lost_gpu_seconds=info.lost_gpu_seconds)

    def job(self, job: int) -> Job:
        """What is known about a job (NotFoundError if there is none)."""
        j = self._job_id(job)
        with self._use() as p:
            return self._job_info(p, j)

    def jobs(self, state: Union[JobState, str, None] = None) -> List[Job]:
        """Every job in submission order, or only those in ``state``
        ("pending", "running"...)."""
        if state is not None:
            state = JobState.parse(state, "state")
        with self._use() as p:
            out = []
            for i in range(lib.gs_sched_job_count(p)):
                info = self._job_info(p, lib.gs_sched_job_at(p, i))
                if state is None or info.state == state:
                    out.append(info)
            return out

    def __len__(self) -> int:
        """Number of jobs (every state)."""
        with self._use() as p:
            return lib.gs_sched_job_count(p)

    def pending_reason(self, job: int) -> Tuple[str, str]:
        """Why a job waits: the reason's name ("resources", "priority",
        "required-busy"...) and a sentence ("needs 8 GPUs; 7 are free")."""
        j = self._job_id(job)
        with self._use() as p:
            info = self._job_info(p, j)
            text = sized_text(lib.gs_sched_job_reason_text, p, j)
        reason = info.reason
        label = reason.label if isinstance(reason, PendingReason) else (
            decode(lib.gs_pending_reason_name(reason)) or str(reason))
        return label, text

    def allocation(self, job: int) -> Allocation:
        """What a job holds (or held), node by node; empty if it never
        started. NotFoundError for an unknown job."""
        j = self._job_id(job)
        with self._use() as p:
            self._job_info(p, j)
            tp = self._tp
            nodes = []
            for k in range(lib.gs_sched_alloc_node_count(p, j)):
                an = _lib.out_struct(_lib.AllocNodeC)
                lib.gs_sched_alloc_node(p, j, k, byref(an))
                gpus = tuple(sized_u32(lib.gs_sched_alloc_gpus, p, j, k))
                first = lib.gs_topo_node_first_gpu(tp, an.node)
                cpus = sized_text(lib.gs_sched_alloc_cpus, p, j, k)
                cvd = sized_text(lib.gs_sched_cuda_visible_devices, p, j,
                                 an.node, 0)
                cvu = sized_text(lib.gs_sched_cuda_visible_devices, p, j,
                                 an.node, _CVD_UUIDS)
                nodes.append(AllocationNode(
                    node=an.node,
                    name=decode(lib.gs_topo_node_name(tp, an.node)) or "",
                    gpus=gpus, gpu_ids=tuple(first + g for g in gpus),
                    cpus=cpus, cpu_count=an.cpus, memory=an.memory,
                    visible_devices=cvd, visible_uuids=cvu))
        return Allocation(job=j, nodes=tuple(nodes))

    def cuda_visible_devices(self, job: int, node: Union[int, str, None] = None,
                             uuids: bool = False) -> str:
        """CUDA_VISIBLE_DEVICES for a job on one of its nodes (see
        Allocation.cuda_visible_devices)."""
        return self.allocation(job).cuda_visible_devices(node, uuids)

    # ---- ordering, fair share, limits ------------------------------------

    def configure(self, text: Union[str, bytes],
                  name: Optional[str] = None) -> None:
        """Configure from JSON (the accounts file of docs/formats.md):
        "accounts" and "users" go into the share tree; the optional keys
        "ordering", "fairshare", "half_life", "priority_weights",
        "usage_weights", "limits", "backfill" (a mode, or {"mode",
        "depth", "horizon", "interval"}) and "preemption" set the rest::

            sched.configure('{"ordering": "multifactor", '
                            '"priority_weights": {"fairshare": 5000}}')

        ``name`` is used in messages (default ``"<buffer>"``).

        Raises:
            ParseError: malformed JSON, an unknown key, a wrong type or a
                name that does not exist, with ``name:line:column``. A
                document with an error changes nothing.
        """
        data = text_bytes(text, "text")
        nm = encode(name, "name")
        with self._use() as p:
            lib.gs_sched_configure(p, data, len(data), nm)

    def set_priority_weights(self, *, age: Optional[float] = None,
                             fairshare: Optional[float] = None,
                             job_size: Optional[float] = None,
                             priority: Optional[float] = None,
                             max_age: Optional[int] = None,
                             calc_period: Optional[int] = None) -> None:
        """Set the weights of the multifactor priority (like Slurm's
        PriorityWeight*)::

            priority = age*A + fairshare*F + job_size*J + priority*P - nice

        Keywords left out take the library's defaults (age 1000, fairshare
        10000, job_size 0, priority 1000, max_age one week, calc_period
        300), not the values set before. ``max_age``: seconds of waiting
        at which the age factor reaches 1; ``calc_period``: seconds
        between fair-share recomputations (0: every step).

        Raises:
            RangeError: a negative, NaN or infinite weight, or a period
                outside 0..2^60 s (nothing changes).
            TypeError: a weight that is not a number, a period that is not
                an integer.
        """
        w = _lib.new_struct(_lib.PriorityWeightsC, "gs_priority_weights_init")
        for fld, value in (("age", age), ("fairshare", fairshare),
                           ("job_size", job_size), ("priority", priority)):
            if value is not None:
                setattr(w, fld, check_number(value, fld))
        for fld, value in (("max_age", max_age),
                           ("calc_period", calc_period)):
            if value is not None:
                setattr(w, fld, check_int(value, fld, *_DURATION))
        with self._use() as p:
            lib.gs_sched_set_priority_weights(p, byref(w))

    def set_usage_weights(self, gpu: float = 1.0, cpu: float = 0.0,
                          mem_gib: float = 0.0) -> None:
        """Usage charged per second of a running job: per GPU, per CPU and
        per GiB of host memory. The defaults (1, 0, 0) charge billable
        GPU-seconds. See also set_model_weight().

        Raises:
            RangeError: a negative, NaN or infinite weight (nothing
                changes).
        """
        g, c, m = (check_number(gpu, "gpu"), check_number(cpu, "cpu"),
                   check_number(mem_gib, "mem_gib"))
        with self._use() as p:
            lib.gs_sched_set_usage_weights(p, g, c, m)

    def set_model_weight(self, model: str, weight: float) -> None:
        """A GPU whose model contains ``model`` (case-insensitive, e.g.
        "H100") is charged ``weight`` times the GPU usage weight. The last
        matching rule set wins.

        Raises:
            InvalidArgument: an empty model.
            RangeError: a negative, NaN or infinite weight.
        """
        m = encode(model, "model", allow_none=False)
        w = check_number(weight, "weight")
        with self._use() as p:
            lib.gs_sched_set_model_weight(p, m, w)

    def set_limit(self, kind: Union[str, LimitKind], name: Optional[str],
                  max_gpus: int) -> None:
        """Cap the GPUs in use by a user (``kind="user"``, all its
        accounts) or an account (``kind="account"``, sub-accounts
        included), like Slurm's MaxTRESPerUser / GrpTRES. ``name=None``
        sets the default for every user (or account) without a limit of
        its own; ``max_gpus=0`` removes the limit. Jobs over a limit wait
        with reason LIMIT and do not hold back the jobs behind them.

        Raises:
            NotFoundError: no such account.
            InvalidArgument: an unknown kind.
            RangeError: a count outside 0..2^32-1 (TypeError: not an
                integer).
        """
        k = int(LimitKind.parse(kind, "limit kind"))
        n = encode(name, "name")
        cap = _u32(max_gpus, "max_gpus")
        with self._use() as p:
            lib.gs_sched_set_limit(p, k, n, cap)

    def update_usage(self, now: int) -> None:
        """Charge the running jobs' usage up to time ``now`` (the scheduler
        does it by itself when a job ends and when fair share is
        recomputed). Call it before reading usage from :attr:`share`."""
        t = self._now(now)
        with self._use() as p:
            lib.gs_sched_update_usage(p, t)

    def priority(self, job: int) -> PriorityBreakdown:
        """A job's multifactor priority, factor by factor, as of the last
        step() (or now, when no step ran since it was submitted): what
        Slurm's ``sprio`` shows, with the site factor and the ``value``
        the scheduler's ordering policy ranked the job by. See
        :class:`PriorityBreakdown`.

        Raises:
            NotFoundError: no such job.
        """
        j = self._job_id(job)
        with self._use() as p:
            if not 1 <= j <= lib.gs_sched_job_count(p):
                raise NotFoundError(f"no job {j}")
            b = _lib.out_struct(_lib.PriorityBreakdownC)
            lib.gs_sched_job_priority(p, j, byref(b))
        return PriorityBreakdown(
            job=j, total=b.total, age=b.age, fairshare=b.fairshare,
            job_size=b.job_size, priority=b.priority, nice=b.nice,
            w_age=b.w_age, w_fairshare=b.w_fairshare,
            w_job_size=b.w_job_size, w_priority=b.w_priority,
            site=b.site, value=b.value)

    @property
    def ordering(self) -> str:
        """The name of the scheduler's ordering policy ("multifactor",
        "fifo", "priority", or a registered one)."""
        fn = lib.require("gs_sched_ordering")
        with self._use() as p:
            return decode(fn(p)) or ""

    def set_ordering(self, ordering: Union[str, Ordering],
                     options: Optional[str] = None) -> None:
        """Change the ordering policy (a name as for the constructor's
        ``ordering``); ``options`` go to its init function (C policies).
        The next step() ranks by it.

        Raises:
            InvalidArgument: no policy of that name.
            Error: the policy's init refused (nothing changes).
        """
        fn = lib.require("gs_sched_set_ordering")
        chosen = ordering_choice(ordering, "ordering")
        name = chosen if isinstance(chosen, str) else chosen.label
        opts = encode(options, "options")
        with self._use() as p:
            fn(p, name.encode("utf-8"), opts)

    def set_fairshare(self, fairshare: Union[str, FairshareAlgo]) -> None:
        """Change the fair-share algorithm ("fair-tree", "classic" or a
        registered one); factors are recomputed with it before the next
        step that reads them.

        Raises:
            InvalidArgument: no algorithm of that name.
        """
        fn = lib.require("gs_sched_set_fairshare")
        chosen = fairshare_choice(fairshare, "fairshare")
        name = chosen if isinstance(chosen, str) else chosen.label
        with self._use() as p:
            fn(p, name.encode("utf-8"))

    def set_job_factor(self, job: int, factor: float) -> None:
        """The host's own factor for a pending or running job (Slurm's
        site factor): added as it is to the multifactor priority
        (``priority(job).site``) and shown to every ordering policy as
        ``job.site_factor``. It stays until set again.

        Raises:
            NotFoundError: no such job.
            StateError: the job has ended.
            RangeError: NaN, infinite, or outside -1e15..1e15.
            TypeError: not a number.
        """
        fn = lib.require("gs_sched_set_job_factor")
        j = self._job_id(job)
        f = check_number(factor, "factor", -_SITE_FACTOR_MAX,
                         _SITE_FACTOR_MAX)
        with self._use() as p:
            fn(p, j, f)

    @property
    def share(self) -> Share:
        """The account tree the scheduler ranks by and charges usage to
        (the Share given to the constructor, or its own), as a view: a
        :class:`Share` that owns nothing and keeps this scheduler alive.
        It raises ClosedError once the scheduler is closed."""
        with self._use() as p:
            ptr = lib.gs_sched_share(p)
        if not ptr:  # pragma: no cover (the library always has one)
            raise UnsupportedError("the scheduler has no share tree")
        return Share._view(self, ptr)

    def fairshare_report(self) -> List[ShareRow]:
        """The fair-share table of the scheduler's tree (``sshare``):
        every account and user with shares, usage and factor, as of the
        scheduler's last fair-share computation. Same as
        ``self.share.rows()``."""
        return self.share.rows()

    # ---- nodes and GPUs -----------------------------------------------

    def drain_node(self, node: Union[int, str]) -> None:
        """Drain a node: running jobs go on, no new job starts there."""
        with self._use() as p:
            lib.gs_sched_drain_node(p, self._node(node))

    def resume_node(self, node: Union[int, str]) -> None:
        """Undo drain_node()."""
        with self._use() as p:
            lib.gs_sched_resume_node(p, self._node(node))

    def drain_gpu(self, gpu: int) -> None:
        """Drain one GPU (cluster-wide id): its job goes on, no new job
        gets it."""
        with self._use() as p:
            lib.gs_sched_drain_gpu(p, self._gpu(gpu))

    def resume_gpu(self, gpu: int) -> None:
        """Undo drain_gpu()."""
        with self._use() as p:
            lib.gs_sched_resume_gpu(p, self._gpu(gpu))

    def fail_gpu(self, gpu: int, now: int = 0) -> Optional[int]:
        """Mark a GPU failed. The job holding it (if any) fails and frees
        what it held; its id is returned (None when the GPU was idle) and
        reported as a FAILED event. The GPU stays unusable until
        repair_gpu()."""
        t = self._now(now)
        job = c_uint64(0)
        with self._use() as p:
            lib.gs_sched_fail_gpu(p, self._gpu(gpu), t, byref(job))
        return job.value or None

    def repair_gpu(self, gpu: int) -> None:
        """A failed GPU is usable again."""
        with self._use() as p:
            lib.gs_sched_repair_gpu(p, self._gpu(gpu))

    def free_gpus(self, node: Union[int, str, None] = None) -> int:
        """GPUs a new job could get now: on one node, or in the cluster."""
        with self._use() as p:
            if node is None:
                return lib.gs_sched_free_gpus(p)
            return lib.gs_sched_node_free_gpus(p, self._node(node))

    def free_cpus(self, node: Union[int, str]) -> int:
        """Free CPUs of a node."""
        with self._use() as p:
            return lib.gs_sched_node_free_cpus(p, self._node(node))

    def free_memory(self, node: Union[int, str]) -> int:
        """Free host memory of a node, bytes."""
        with self._use() as p:
            return lib.gs_sched_node_free_memory(p, self._node(node))

    def gpu_job(self, gpu: int) -> Optional[int]:
        """The running job holding a GPU, or None."""
        with self._use() as p:
            return lib.gs_sched_gpu_job(p, self._gpu(gpu)) or None

    def check(self) -> None:
        """Verify every invariant of the scheduler (a debugging aid): no
        GPU or CPU given twice, counters consistent... Raises
        InconsistentError saying what is wrong."""
        with self._use() as p:
            lib.gs_sched_check(p)

    @property
    def last_error(self) -> str:
        """The library's message about the scheduler's last error."""
        with self._use() as p:
            return decode(lib.gs_sched_errmsg(p)) or ""

    def __repr__(self) -> str:
        if self.closed:
            return "<gpusched.Scheduler closed>"
        try:
            with self._use() as p:
                n = lib.gs_sched_job_count(p)
                free = lib.gs_sched_free_gpus(p)
                total = lib.gs_topo_gpu_count(self._tp)
        except Exception:  # pragma: no cover
            return "<gpusched.Scheduler>"
        return (f"<gpusched.Scheduler {self.placement!r}, {n} job"
                f"{'s' * (n != 1)}, {free}/{total} GPUs free>")
