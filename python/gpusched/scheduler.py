"""The scheduler: jobs on a frozen topology (``gs_sched``)."""

from __future__ import annotations

import collections.abc as _abc
import ctypes
import inspect
import math
import numbers
import os
import warnings
from contextlib import contextmanager
from ctypes import byref, c_char_p, c_int, c_size_t, c_uint32, c_uint64
from typing import (Callable, Iterable, Iterator, List, Optional, Sequence,
                    Tuple, Union)

from . import _lib
from ._handle import (HandleOwner, callback_failed, calls, check_bool,
                      check_index, check_int, check_number, decode, encode,
                      show_int)
from ._lib import NONE, lib
from .errors import (Error, InvalidArgument, NoSpaceError, NotFoundError,
                     RangeError, StateError, UnsupportedError)
from .fairshare import Share, text_bytes
from .objects import (Allocation, AllocationNode, Backfill, Comm,
                      DemandEntry, Event, EventKind, FairshareAlgo, FragClass,
                      GpuShare, Job, JobState, LimitKind, NumaMode, Ordering,
                      PartitionInfo, Pattern, PendingReason, PreemptMode,
                      PriorityBreakdown, ShareRow, SyncPolicy)
from .ordering import _status_of, fairshare_choice, ordering_choice
from .topology import (Topology, name_list, parse_cc, parse_size,
                       pattern_name, sized_text, sized_u32)

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
#: The library's retention defaults (gs_sched_set_retention).
_KEEP_SECONDS = 300
_KEEP_COUNT = 10000
_DEFAULT_RETENTION = (_KEEP_SECONDS, _KEEP_COUNT)
#: A demand entry's largest size and weight (gs_sched_set_demand).
_DEMAND_MAX_GPUS = 64
_DEMAND_MAX_WEIGHT = 1e12
#: A whole GPU in milli-GPU; the most device memory a job may ask for per
#: GPU (gs_job_spec::gpu_mem, 2^56 bytes).
_MILLI = 1000
_GPU_MEM_MAX = 1 << 56
#: A fragmentation class's largest GPU count and weight
#: (gs_sched_set_frag_classes).
_FRAG_MAX_GPUS = 64
_FRAG_MAX_WEIGHT = 1e15


def placements() -> List[str]:
    """Names of the registered placement policies (built-ins first:
    "first-fit", "best-fit", "spread", "nvlink-pack", then "frag-aware" and
    "fgd", which place shared jobs where the fragmentation of free GPU
    capacity grows least: see Scheduler.set_frag_classes())."""
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
                  time_limit: int = 0, submit_time: Optional[int] = None,
                  nice: int = 0,
                  preemptible: bool = False, depends_on: int = 0,
                  partition: Union[str, Sequence[str], None] = None,
                  constraint: Optional[str] = None,
                  allow_split: bool = False, any_model: bool = False,
                  pattern: Union[str, Pattern, int] = "any",
                  gpu_milli: Optional[int] = None,
                  gpu_share: Optional[float] = None,
                  gpu_mem: Union[int, str] = 0,
                  mig_profile: Optional[str] = None):
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


def _share_milli(gpu_milli, gpu_share) -> int:
    """gs_job_spec::gpu_milli from submit()'s ``gpu_milli`` (0 to 1000)
    or ``gpu_share`` (a fraction of a GPU above 0 and at most 1, a whole
    number of milli-GPUs); 0 (whole GPUs) when neither is given."""
    if gpu_milli is not None and gpu_share is not None:
        raise InvalidArgument("give gpu_milli or gpu_share, not both "
                              "(gpu_share=0.25 is gpu_milli=250)")
    if gpu_share is None:
        if gpu_milli is None:
            return 0
        return check_int(gpu_milli, "gpu_milli", 0, _MILLI)
    if isinstance(gpu_share, bool) or not isinstance(gpu_share,
                                                      numbers.Real):
        raise TypeError(f"gpu_share must be a number (a fraction of each "
                        f"GPU, like 0.5), not {type(gpu_share).__name__}")
    try:
        share = float(gpu_share)
    except OverflowError:               # an int beyond the doubles
        share = math.inf
    if not 0 < share <= 1:              # NaN too
        shown = (show_int(gpu_share) if isinstance(gpu_share, int)
                 else repr(gpu_share))
        raise RangeError(f"gpu_share = {shown} is out of range: it "
                         f"must be above 0 and at most 1 (a fraction of "
                         f"each GPU; leave it out for whole GPUs)")
    milli = round(share * _MILLI)
    if abs(share * _MILLI - milli) > 1e-6 or milli == 0:
        raise InvalidArgument(f"gpu_share = {share!r} is not a whole number "
                              f"of milli-GPUs: give a multiple of 0.001 "
                              f"(or gpu_milli=, an integer from 1 to 1000)")
    return milli


def _gpus_count(value) -> int:
    """submit()'s ``gpus``: a count; a float gets a hint at shares."""
    if isinstance(value, float):
        raise TypeError(f"gpus must be an integer (a number of GPUs), not "
                        f"float {value!r}: for a share of each GPU give "
                        f"gpu_share=0.5 or gpu_milli=500 (with gpus=1 for "
                        f"half of one GPU)")
    return _u32(value, "gpus")


def _mem_default(value, what: str) -> int:
    """A default memory per GPU: bytes or "16GiB", at most 2^60 (the
    library's bound)."""
    return check_int(parse_size(value, what), what, 0, _lib.TIME_MAX)


class _Unchanged:
    """update_job()'s default: the field is not changed."""

    def __repr__(self) -> str:
        return "<unchanged>"


_UNCHANGED = _Unchanged()


def _build_spec(args: tuple, kwargs: dict,
                submit_time: Callable[[Optional[int]], int]):
    """A gs_job_spec from submit()/preview() arguments, and the Python
    objects it points into (kept alive by the caller during the call).
    ``submit_time(value)`` gives the submission time from the argument
    (None when it was left out)."""
    try:
        bound = _SIGNATURE.bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"job request: {e}") from None
    bound.apply_defaults()
    a = bound.arguments
    spec = _lib.new_struct(_lib.JobSpecC, "gs_job_spec_init")
    keep: list = []
    spec.gpus = _gpus_count(a["gpus"])
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
    spec.submit_time = submit_time(a["submit_time"])
    # fields of later versions: only when the library's struct has them
    for fld, value, default in (
            ("nice", check_int(a["nice"], "nice", *_I64), 0),
            ("preemptible",
             int(check_bool(a["preemptible"], "preemptible")), 0),
            ("depends_on", check_int(a["depends_on"], "depends_on", 0,
                                     _lib.UINT64_MAX), 0),
            ("partition", name_list(a["partition"], "partition"), None),
            ("constraint", encode(a["constraint"], "constraint"), None),
            ("allow_split",
             int(check_bool(a["allow_split"], "allow_split")), 0),
            ("any_model", int(check_bool(a["any_model"], "any_model")), 0),
            ("pattern", int(Pattern.parse(a["pattern"], "pattern")), 0),
            ("gpu_milli", _share_milli(a["gpu_milli"], a["gpu_share"]), 0),
            ("gpu_mem", check_int(parse_size(a["gpu_mem"], "gpu_mem"),
                                  "gpu_mem", 0, _GPU_MEM_MAX), 0),
            ("mig_profile", encode(a["mig_profile"] or None, "mig_profile"),
             None)):
        if _lib.field_known(spec, fld):
            setattr(spec, fld, value)
        elif value != default:
            raise UnsupportedError(f"job spec: {fld} is not supported by "
                                   f"this library version")
    return spec, keep


def _config(placement, placement_options, ordering, ordering_options,
            fairshare, backfill, backfill_depth, backfill_horizon, preempt):
    """A gs_sched_config from the constructor's keywords (None: the
    library's default)."""
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
    return cfg


def _retention(keep_seconds, keep_count) -> Tuple[int, int]:
    """The arguments of gs_sched_set_retention: None is GS_KEEP_FOREVER."""
    secs = (_lib.KEEP_FOREVER if keep_seconds is None else
            check_int(keep_seconds, "keep_seconds", *_DURATION))
    count = (_lib.KEEP_FOREVER if keep_count is None else
             check_int(keep_count, "keep_count", 0, _lib.INT64_MAX))
    return secs, count


def _event(ev) -> Event:
    return Event(EventKind.coerce(ev.kind), ev.job, ev.time)


def _consume(p, events: List[Event]) -> None:
    """Take ``events`` (the oldest in the queue) off it. When that fails
    (the journal could not record it), the exception carries them as
    ``.events``: the caller will not get them from the queue again."""
    try:
        lib.gs_sched_events_consume(p, len(events))
    except Error as e:
        e.events = events
        raise


def _job(info) -> Job:
    """A Job from a gs_job_info (copies: valid after the struct is)."""
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
        lost_gpu_seconds=info.lost_gpu_seconds,
        **_job_extras(info))


def _job_extras(info) -> dict:
    """The gs_job_info fields of issue 15 (expected start, hold, time-out,
    partition) and 16 (pattern), when the library's struct has them."""
    if not _lib.field_known(info, "partition"):
        return {}
    start = info.expected_start
    extras = dict(
        expected_start=None if start == _lib.TIME_UNKNOWN else start,
        held=bool(info.held), timed_out=bool(info.timed_out),
        partition=decode(info.partition))
    # -1: left as _job_info() put it by a library whose struct is shorter
    if _lib.field_known(info, "pattern") and info.pattern >= 0:
        extras["pattern"] = pattern_name(info.pattern)
    # 0: not filled (a library without shares; they report 1000 for whole
    # GPUs)
    if _lib.field_known(info, "gpu_milli") and info.gpu_milli:
        extras["gpu_milli"] = info.gpu_milli
        extras["gpu_mem"] = info.gpu_mem
    if _lib.field_known(info, "mig_profile"):
        extras["mig_profile"] = decode(info.mig_profile)
    return extras


def _frag_class(item, i: int) -> tuple:
    """gs_frag_class's fields from a FragClass, a (gpus, gpu_milli[, cpus,
    mem, weight]) tuple or a mapping with those keys (gpus required; the
    others default to 1000, 0, 0 and 1), every value checked."""
    what = f"frag class {i}"
    fields = FragClass._fields
    if isinstance(item, _abc.Mapping):
        unknown = [k for k in item if k not in fields]
        if unknown:
            raise InvalidArgument(f"{what}: unknown key {unknown[0]!r} (want "
                                  f"{', '.join(fields)})")
        if "gpus" not in item:
            raise InvalidArgument(f"{what}: gpus is missing")
        item = FragClass(**item)
    elif isinstance(item, (str, bytes)) or not isinstance(
            item, _abc.Sequence) or not 1 <= len(item) <= len(fields):
        raise TypeError(f"{what} must be a FragClass, a (gpus, gpu_milli, "
                        f"cpus, mem, weight) tuple (gpus alone is enough) "
                        f"or a dict, not {item!r}")
    else:
        item = FragClass(*item)
    gpus = check_int(item.gpus, f"{what}: gpus", 1, _FRAG_MAX_GPUS)
    milli = check_int(item.gpu_milli, f"{what}: gpu_milli", 1, _MILLI)
    cpus = _u32(item.cpus, f"{what}: cpus")
    mem = parse_size(item.mem, f"{what}: mem")
    weight = check_number(item.weight, f"{what}: weight", 0.0,
                          _FRAG_MAX_WEIGHT)
    if weight == 0:
        raise RangeError(f"{what}: weight is 0: it must be a number above 0 "
                         f"and at most 1e15")
    return gpus, milli, cpus, mem, weight


def _frag_classes(classes) -> list:
    """gs_sched_set_frag_classes's classes, checked (see _frag_class); no
    class twice."""
    if isinstance(classes, (str, bytes, _abc.Mapping)) or not isinstance(
            classes, _abc.Iterable):
        raise TypeError(f"frag classes must be a list of FragClass (or "
                        f"tuples, or dicts), not {type(classes).__name__}")
    items = list(classes)
    if len(items) > _lib.MAX_FRAG_CLASSES:
        raise RangeError(f"{len(items)} frag classes: at most "
                         f"{_lib.MAX_FRAG_CLASSES}")
    out = []
    seen = {}
    for i, item in enumerate(items):
        c = _frag_class(item, i)
        if c[:4] in seen:
            raise InvalidArgument(f"frag class {i} repeats class "
                                  f"{seen[c[:4]]} (the same gpus, "
                                  f"gpu_milli, cpus and mem)")
        seen[c[:4]] = i
        out.append(c)
    return out


def _demand_entries(entries) -> list:
    """gs_sched_set_demand's entries from (gpus, pattern, weight) triples,
    every value checked."""
    if isinstance(entries, (str, bytes)) or not isinstance(
            entries, _abc.Iterable):
        raise TypeError(f"demand must be a list of (gpus, pattern, weight), "
                        f"not {type(entries).__name__}")
    items = list(entries)
    if len(items) > _lib.MAX_DEMAND:
        raise RangeError(f"demand has {len(items)} entries: at most "
                         f"{_lib.MAX_DEMAND}")
    out = []
    seen = {}
    for i, item in enumerate(items):
        what = f"demand entry {i}"
        if isinstance(item, (str, bytes)) or not isinstance(
                item, _abc.Sequence) or len(item) != 3:
            raise TypeError(f"{what} must be a (gpus, pattern, weight) "
                            f"tuple, not {item!r}")
        gpus = check_int(item[0], f"{what}: gpus", 1, _DEMAND_MAX_GPUS)
        pat = Pattern.parse(item[1], f"{what}: pattern")
        weight = check_number(item[2], f"{what}: weight", 0.0,
                              _DEMAND_MAX_WEIGHT)
        if weight == 0:
            raise RangeError(f"{what}: weight is 0: it must be a number "
                             f"above 0 and at most 1e12")
        key = (gpus, int(pat))
        if key in seen:
            raise InvalidArgument(f"{what}: {gpus} GPUs {pat.label} repeats "
                                  f"entry {seen[key]}")
        seen[key] = i
        out.append((gpus, int(pat), weight))
    return out


# The constructor's keywords that Scheduler.open() takes for a new
# scheduler (what _config() and _retention() read).
def _config_keywords(placement: str = "nvlink-pack",
                     placement_options: Optional[str] = None, *,
                     ordering=None, ordering_options=None, fairshare=None,
                     backfill=None, backfill_depth=None,
                     backfill_horizon=None, preempt=None,
                     keep_seconds=_KEEP_SECONDS, keep_count=_KEEP_COUNT):
    """The keywords of a new scheduler's settings."""


_CONFIG_SIGNATURE = inspect.signature(_config_keywords)


def _path(value, what: str) -> bytes:
    """A file name as the library takes it (bytes without NUL)."""
    if not isinstance(value, (str, bytes, os.PathLike)):
        raise TypeError(f"{what} must be a path (str, bytes or "
                        f"os.PathLike), not {type(value).__name__}")
    raw = os.fsencode(value)
    if not raw:
        raise InvalidArgument(f"{what} is empty")
    if b"\0" in raw:
        raise InvalidArgument(f"{what} contains a NUL character")
    return raw


def _reader(f):
    """A gs_read_fn over a binary file object's read(n)."""
    def read(user_data, buf, cap, got):
        try:
            chunk = f.read(cap)
            if not isinstance(chunk, (bytes, bytearray, memoryview)):
                raise TypeError(f"the snapshot's file returned "
                                f"{type(chunk).__name__} from read(), not "
                                f"bytes (open it in binary mode)")
            chunk = bytes(chunk)
            if len(chunk) > cap:
                raise ValueError(f"the snapshot's file returned "
                                 f"{len(chunk)} bytes from read({cap})")
            ctypes.memmove(buf, chunk, len(chunk))
            got[0] = len(chunk)
            return 0
        except BaseException as exc:  # noqa: B902 (re-raised)
            callback_failed(exc)
            return _status_of(exc)
    return read


def _tell(on_warning, text: str) -> None:
    """A recovery warning of Scheduler.open(), to on_warning or as a
    Python warning."""
    if on_warning is None:
        warnings.warn(text, RuntimeWarning, stacklevel=3)
    else:
        on_warning(text)


def _check_clock(clock):
    if clock is not None and not callable(clock):
        raise TypeError(f"clock must be a function returning the time in "
                        f"seconds (e.g. lambda: int(time.time())), not "
                        f"{type(clock).__name__}")
    return clock


class Scheduler(HandleOwner):
    """Jobs on a frozen topology: who runs, and on which GPUs.

    The caller drives it and owns the clock: ``submit`` queues jobs,
    ``step(now)`` starts what can start and returns what happened,
    ``complete``/``fail``/``cancel`` end jobs::

        topo = Topology.load("dgx1-v100")
        with Scheduler(topo) as sched:
            job = sched.submit(2, submit_time=0)
            sched.step(now=0)
            sched.allocation(job).cuda_visible_devices()   # "0,3"
            sched.complete(job, now=60)

    Every call that changes the state at a time takes that time
    (``now``, ``submit_time``: integer seconds of your clock): it is
    required, never 0 by default. Give the constructor a ``clock``
    (``clock=lambda: int(time.time())``) to have the scheduler read it
    when the time is left out. Times never go backwards: a time earlier
    than the latest one the scheduler was given is refused.

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
    #: The clock given to the constructor, or None.
    _clock: Optional[Callable[[], int]] = None
    #: The snapshot file of a scheduler from open(), or None.
    _store_path: Optional[str] = None

    def __init__(self, topology: Topology, placement: str = "nvlink-pack",
                 placement_options: Optional[str] = None, *,
                 ordering: Union[str, Ordering, None] = None,
                 ordering_options: Optional[str] = None,
                 fairshare: Union[str, FairshareAlgo, None] = None,
                 backfill: Union[str, Backfill, None] = None,
                 backfill_depth: Optional[int] = None,
                 backfill_horizon: Optional[int] = None,
                 preempt: Union[bool, str, PreemptMode, None] = None,
                 share: Optional[Share] = None,
                 keep_seconds: Optional[int] = _KEEP_SECONDS,
                 keep_count: Optional[int] = _KEEP_COUNT,
                 clock: Optional[Callable[[], int]] = None) -> None:
        """Create a scheduler on a frozen topology.

        Every keyword left at None keeps the library's default (but
        ``keep_seconds``/``keep_count``: None is "forever"). More settings
        (weights, limits, accounts) come from configure() and the set_*
        methods. Scheduler.restore() makes one from a snapshot, and
        Scheduler.open() one whose state survives a crash.

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
            keep_seconds, keep_count: how long ended jobs are kept
                (set_retention(); the defaults are the library's: 300
                seconds and 10,000 jobs; None: forever).
            clock: a function of no arguments returning the time as an
                integer number of seconds (e.g. ``lambda:
                int(time.time())``). With one, the times of step(),
                complete(), fail(), cancel(), fail_gpu(), update_usage()
                (``now``) and submit() (``submit_time``) may be left out:
                the clock is read. Without one (the default) they are
                required: leaving one out is a TypeError, never time 0.

        Raises:
            NotFrozenError: the topology is not frozen.
            NotFoundError: no such placement policy.
            InvalidArgument: an unknown mode, ordering or fair-share name,
                or a value out of range.
            UnsupportedError: a node has more than 64 GPUs.
            ClosedError: ``share`` is closed.
            RangeError: ``keep_seconds`` beyond 2^60, ``keep_count``
                negative.
        """
        super().__init__()
        retention = _retention(keep_seconds, keep_count)
        cfg = _config(placement, placement_options, ordering,
                      ordering_options, fairshare, backfill, backfill_depth,
                      backfill_horizon, preempt)

        def create(out, tp, share_ptr):
            if share_ptr is not None:
                cfg.share = share_ptr
            lib.gs_sched_create(byref(out), tp, byref(cfg))
            if retention != _DEFAULT_RETENTION:
                lib.gs_sched_set_retention(out, *retention)

        self._attach(topology, share, clock, create)

    def _attach(self, topology: Topology, share: Optional[Share], clock,
                create: Callable) -> None:
        """Make the C scheduler (``create(out, tp, share_ptr)`` fills the
        handle ``out``, raising on failure) on ``topology``'s C topology,
        with ``share``'s tree (share_ptr is None without one), holding a
        reference to each so that they outlive it; what every way of
        making a Scheduler shares."""
        if not isinstance(topology, Topology):
            raise TypeError(f"topology must be a gpusched.Topology, not "
                            f"{type(topology).__name__}")
        if share is not None and not isinstance(share, Share):
            raise TypeError(f"share must be a gpusched.Share, not "
                            f"{type(share).__name__}")
        self._clock = _check_clock(clock)
        #: Python objects the C scheduler points to (the forget hook's
        #: callback): kept until the handle is destroyed.
        self._keep = {}
        if share is not None:
            # one lock for the scheduler and its tree: calls through either
            # are serialized
            self._lock = share._lock
        acquired: List[int] = []
        anchor: Optional[int] = None
        try:
            with self._lock:
                share_ptr = None
                if share is not None:
                    share_ptr = share._check()
                    anchor = share._anchor()
                    _lib.ref_acquire(anchor)
                    acquired.append(anchor)
                with topology._use() as tp:
                    _lib.ref_acquire(topology._addr)
                    acquired.insert(0, topology._addr)
                    out = _lib.SchedP()
                    try:
                        create(out, tp, share_ptr)
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

    def __reduce__(self):
        raise TypeError("a Scheduler cannot be pickled (its jobs live in the "
                        "C library)")

    @property
    def topology(self) -> Topology:
        """The Topology the scheduler was created on."""
        return self._topology

    @property
    def clock(self) -> Optional[Callable[[], int]]:
        """The clock given to the constructor (read when a time is left
        out), or None: then every time must be given."""
        return self._clock

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

    def _time(self, value, call: str, what: str = "now") -> int:
        """The time argument ``what`` of method ``call``: ``value`` when
        given, else read from the scheduler's clock; TypeError when it was
        left out and there is no clock (a time never defaults)."""
        if value is not None:
            return check_int(value, what, *_TIME)
        clock = self._clock
        if clock is None:
            raise TypeError(
                f"{call}() needs {what}= (the time, in seconds of your "
                f"clock): this Scheduler has no clock to read it from "
                f"(give one to the constructor, e.g. Scheduler(topo, "
                f"clock=lambda: int(time.time())), to leave {what} out)")
        return check_int(clock(), f"{what} (read from the scheduler's "
                         f"clock)", *_TIME)

    # ---- jobs ---------------------------------------------------------

    def submit(self, *args, **kwargs) -> int:
        """Queue a job; returns its id. The job starts at a later step().

        ``gpus`` is the total number of GPUs (all or nothing); 0 makes a
        CPU-only job, which runs on one node and takes ``cpus_per_gpu``
        CPUs and ``mem_per_gpu`` bytes there (the job's whole need; at
        least one of them) and sets no GPU keyword. Keywords (all
        optional; the defaults mean "no constraint"):

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
        - ``pattern``: what the job does with its GPUs, which sets the
          bandwidth model nvlink-pack maximizes: "any" (default; Q, the
          sum of the pair bandwidths), "ring" (ring all-reduce; also
          "all-reduce"), "all-to-all" (also "a2a"), "chain" (a pipeline;
          also "pipeline") or "none" (no communication, as
          ``comm="insensitive"``, which makes any pattern "none"); names
          are case-insensitive, a :class:`Pattern` or its number works too
          (see Topology.pattern_bandwidth());
        - ``gpu_share`` (a fraction above 0 and at most 1, in steps of
          0.001: 0.5, 0.25) or ``gpu_milli`` (an integer 0 to 1000): a share
          of each of its ``gpus`` GPUs, beside other shared jobs (CUDA
          MPS; Allocation.mps_env() gives the settings). A shared job runs
          on one node, is never ``exclusive``, and whole-GPU jobs do not
          land on a GPU it uses. 1000 (or 1.0) and 0 mean whole GPUs, the
          default. Give one of the two, not both;
        - ``gpu_mem`` (bytes or "2GiB", at most 2^56): device memory per
          GPU a shared job uses (the shares on a GPU never need more than
          it has; 0: not counted); for whole GPUs a least GPU memory, like
          ``min_gpu_memory``;
        - ``mig_profile`` ("3g.40gb", "1g.10gb+me"): a MIG instance of this
          profile on each of its ``gpus`` GPUs (one node), on GPUs the
          topology puts in MIG mode (Topology.set_gpu_mig(), a node's
          "mig" in JSON, or the probe); not with a share. Its allocation
          gives each instance's start and number
          (AllocationNode.mig_starts, mig_instances), and
          CUDA_VISIBLE_DEVICES lists the instances' UUIDs once known
          (set_mig_uuid() for an instance the host made);
        - ``name``, ``user``, ``account``, ``priority``, ``time_limit``
          (seconds), ``nice``, ``preemptible``, ``depends_on`` (a job id);
        - ``partition``: the partitions it may run in ("gpu" or ["gpu",
          "debug"]; None: the default one; see add_partition());
          ``constraint``: node features its nodes must have ("h100&(ib|
          roce)", see Topology.set_node_features());
        - ``allow_split``: its GPUs may be spread over more nodes than they
          need (by default a job that sets none of ``gpus_per_node``,
          ``min_nodes`` and ``max_nodes`` runs on as few nodes as could
          ever hold it: one, when a node it may use has that many GPUs);
          ``any_model``: its GPUs may be of different models (by default
          all are of one model, any that ``gpu_models`` allows).

        When the account tree lists accounts, a job naming an account (or
        user) it does not list is refused (NotFoundError) unless
        set_auto_accounts(True).

        ``submit_time`` (seconds of your clock; its age weighs in the
        multifactor priority) is required, unless the scheduler has a
        ``clock``, which is then read when it is left out.

        Raises:
            TypeError: ``submit_time`` left out of a scheduler without a
                clock; a value of the wrong type (``gpus=2.0``, or
                ``gpus=0.5``: a share is ``gpu_share=0.5``;
                ``exclusive="no"``).
            InvalidArgument: the request is invalid (the message names the
                field, e.g. "job spec: gpus must be at least 1"), or
                ``submit_time`` is earlier than the latest time the
                scheduler was given.
            RangeError: a number outside its field (counts 0..2^32-1,
                ``submit_time`` within +-2^60, ``time_limit`` 0..2^60,
                ``gpu_milli`` 0..1000, ``gpu_share`` above 0 up to 1,
                ``gpu_mem`` 0..2^56); NaN or an infinity.
            NoResourcesError: the cluster could never run it, even idle.
            NotFoundError: an account or user the account tree does not
                list, a feature of ``constraint`` that no node has.
        """
        spec, keep = _build_spec(
            args, kwargs, lambda t: self._time(t, "submit", "submit_time"))
        job = c_uint64(0)
        with self._use() as p:
            lib.gs_sched_submit(p, byref(spec), byref(job))
        del keep
        return job.value

    def preview(self, *args, **kwargs) -> List[int]:
        """Where would this job go now? Runs the placement policy without
        queueing anything or changing any state, and returns the chosen
        cluster-wide GPU ids, increasing. Takes the same arguments as
        submit(), but ``submit_time`` may be left out (with or without a
        clock): placement does not depend on it.

        Raises NoResourcesError (the message says why) when it cannot be
        placed now, InvalidArgument for a bad request."""
        given = []
        spec, keep = _build_spec(args, kwargs,
                                 lambda t: self._preview_time(t, given))
        count = c_size_t(0)
        with self._use() as p:
            if not given:
                # any time the library accepts: not before its clock
                clock = lib.gs_sched_clock(p)
                spec.submit_time = 0 if clock == _lib.INT64_MIN else clock
            # no more than the cluster has (a larger request fails in the
            # library; gpus=2**32-1 must not allocate 16 GiB here). Under
            # the lock: a closed scheduler's topology may be gone.
            cap = max(1, min(spec.gpus, lib.gs_topo_gpu_count(self._tp)))
            out = (c_uint32 * cap)()
            lib.gs_sched_preview(p, byref(spec), out, cap, byref(count))
        del keep
        return list(out[:count.value])

    @staticmethod
    def _preview_time(value: Optional[int], given: list) -> int:
        # placement does not read the submission time: when none is given,
        # preview() puts the scheduler's clock (a time it accepts)
        if value is not None:
            given.append(True)
            return check_int(value, "submit_time", *_TIME)
        return 0

    submit.__signature__ = _SIGNATURE.replace(parameters=[
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        *_SIGNATURE.parameters.values()], return_annotation="int")
    preview.__signature__ = _SIGNATURE.replace(parameters=[
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        *_SIGNATURE.parameters.values()], return_annotation="List[int]")

    def step(self, now: Optional[int] = None) -> List[Event]:
        """Start every job that can start at time ``now`` (your clock, an
        integer within +-2^60 seconds, like every ``now``) and
        return the events: one STARTED event per job started and, with
        preemption on, a PREEMPTED event per victim (followed by REQUEUED
        when it goes back to the queue).

        The events come from the scheduler's queue, which this call
        consumes: the step's events, after any still queued from before
        (a step whose policy function raised, a restored or reopened
        scheduler, the C API), oldest first, so that none is lost. When a
        policy function or the on_forget() callback raised during the
        step, the step's events stay queued and the exception is raised
        (see :attr:`events`). Ended jobs past their retention
        (set_retention()) are forgotten at the start of the step.

        Raises:
            InvalidArgument: ``now`` earlier than the latest time the
                scheduler was given (nothing changes).
            TypeError: ``now`` left out, and no clock.
            InputOutputError: (a scheduler from open()) the journal could
                not record the step, which happened all the same: its
                events are still queued (:attr:`events`); or it could not
                record their consumption: they are then the exception's
                ``events`` attribute.

        ``now`` is required unless the scheduler has a ``clock`` (then
        it is read when ``now`` is left out); it must not be earlier than
        the latest time the scheduler was given (InvalidArgument naming
        both).

        Pending jobs are taken in the ordering's order; jobs waiting for
        a dependency or held by a limit do not hold back the others. The
        first job that cannot start may preempt jobs it outranks (with
        ``preempt``), or else holds back the rest (reason PRIORITY) unless
        backfill lets jobs with a time limit start around it."""
        t = self._time(now, "step")
        with self._use() as p:
            lib.gs_sched_step(p, t, None)
            events = self._events(p)
            if calls.error is None:
                _consume(p, events)
            return events

    def _events(self, p) -> List[Event]:
        """The queue's events, oldest first, without taking them."""
        out = []
        for i in range(lib.gs_sched_event_count(p)):
            ev = _lib.out_struct(_lib.EventC)
            lib.gs_sched_event(p, i, byref(ev))
            out.append(_event(ev))
        return out

    @property
    def events(self) -> List[Event]:
        """The events in the queue not consumed yet, oldest first (a
        look: they stay queued). Empty after step() and fail_gpu(), which
        consume what they report; events stay when a policy function
        raised during a step, when they were queued by a scheduler that
        was saved or journaled, or by the C API. Take them with
        next_event() or consume_events(); the next step() returns them
        too."""
        with self._use() as p:
            return self._events(p)

    def next_event(self) -> Optional[Event]:
        """Take the oldest event off the queue and return it; None when
        the queue is empty."""
        ev = _lib.out_struct(_lib.EventC)
        with self._use() as p:
            try:
                lib.gs_sched_next_event(p, byref(ev))
            except NotFoundError:       # "the event queue is empty"
                return None
        return _event(ev)

    def consume_events(self, n: int) -> None:
        """Take the ``n`` oldest events off the queue (as read through
        :attr:`events`). An ended job is never forgotten while an event
        naming it is queued.

        Raises:
            InvalidArgument: ``n`` is more than the queue holds (nothing is
                taken).
            RangeError: ``n`` negative (TypeError: not an integer).
        """
        k = check_int(n, "n", 0, _lib.UINT64_MAX)
        with self._use() as p:
            lib.gs_sched_events_consume(p, k)

    @property
    def clock_time(self) -> Optional[int]:
        """The scheduler's own clock: the latest time any call gave it
        (the ``now`` of a step, of a job's end, of a GPU failure or a usage
        update), None before any. Calls refuse an earlier time, and a
        submission time earlier than it (InvalidArgument naming both)."""
        with self._use() as p:
            t = lib.gs_sched_clock(p)
        return None if t == _lib.INT64_MIN else t

    def complete(self, job: int, now: Optional[int] = None) -> None:
        """A running job ended normally at time ``now``; its resources are
        freed. ``now`` is required unless the scheduler has a ``clock``
        (as for step()).

        Raises:
            NotFoundError: no such job.
            StateError: it is not running.
            InvalidArgument: ``now`` is earlier than the latest time the
                scheduler was given.
            TypeError: ``now`` left out, and no clock.
        """
        j, t = self._job_id(job), self._time(now, "complete")
        with self._use() as p:
            lib.gs_sched_complete(p, j, t)

    def fail(self, job: int, now: Optional[int] = None) -> None:
        """A running job failed at time ``now``; its resources are freed.
        ``now`` and the errors: as for complete()."""
        j, t = self._job_id(job), self._time(now, "fail")
        with self._use() as p:
            lib.gs_sched_fail(p, j, t)

    def cancel(self, job: int, now: Optional[int] = None) -> None:
        """Cancel a pending or running job at time ``now`` (StateError if
        it already ended). ``now`` and the other errors: as for
        complete()."""
        j, t = self._job_id(job), self._time(now, "cancel")
        with self._use() as p:
            lib.gs_sched_cancel(p, j, t)

    def timeout(self, job: int, now: Optional[int] = None) -> None:
        """End a running job at its time limit at time ``now``: the host
        stopped it after a TIMEOUT event (the scheduler reports a job past
        its limit and grace, set_timeout_grace(), but never stops it). Its
        state becomes TIMEOUT and its resources are freed. ``now`` and the
        errors: as for complete()."""
        fn = lib.require("gs_sched_timeout")
        j, t = self._job_id(job), self._time(now, "timeout")
        with self._use() as p:
            fn(p, j, t)

    def _job_info(self, p, j: int) -> Job:
        info = _lib.out_struct(_lib.JobInfoC)
        # a library whose struct is shorter leaves them: unknown
        info.expected_start = _lib.TIME_UNKNOWN
        info.pattern = -1
        try:
            lib.gs_sched_job_info(p, j, byref(info))
        except NotFoundError:
            raise NotFoundError(
                f"no job {j} (never submitted, or it ended and was "
                f"forgotten: see set_retention())") from None
        return _job(info)

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
                try:
                    cvd = sized_text(lib.gs_sched_cuda_visible_devices, p,
                                     j, k, 0)
                    cvu = sized_text(lib.gs_sched_cuda_visible_devices, p,
                                     j, k, _CVD_UUIDS)
                except NotFoundError:
                    # a MIG instance whose UUID the host has not given
                    # yet (set_mig_uuid())
                    cvd = cvu = ""
                nodes.append(AllocationNode(
                    node=an.node,
                    name=decode(lib.gs_topo_node_name(tp, an.node)) or "",
                    gpus=gpus, gpu_ids=tuple(first + g for g in gpus),
                    cpus=cpus, cpu_count=an.cpus, memory=an.memory,
                    visible_devices=cvd, visible_uuids=cvu,
                    **self._mps_fields(p, j, k)))
        return Allocation(job=j, nodes=tuple(nodes))

    @staticmethod
    def _mps_fields(p, j: int, k: int) -> dict:
        """A node's share and MPS settings (gs_sched_alloc_entry), for
        AllocationNode; {} from a library without shares."""
        fn = lib.__dict__.get("gs_sched_alloc_entry")
        if fn is None:
            return {}
        e = _lib.new_struct(_lib.AllocEntryC, "gs_alloc_entry_init")
        if not _lib.field_known(e, "mps_mem_limit"):
            return {}
        cap = 1024
        for _ in range(3):
            buf = ctypes.create_string_buffer(cap)
            try:
                fn(p, j, k, byref(e), buf, cap)
                break
            except NoSpaceError:
                if e.buf_needed <= cap:
                    raise
                cap = e.buf_needed
        out = dict(gpu_milli=e.gpu_milli or _MILLI,
                   mps_thread_percentage=e.mps_thread_percentage,
                   mps_mem_limit=decode(e.mps_mem_limit) or "")
        if _lib.field_known(e, "mig_profile") and e.mig_profile:
            out["mig_profile"] = decode(e.mig_profile)
            out["mig_starts"] = tuple(e.mig_starts[:e.n_gpus])
            out["mig_instances"] = tuple(
                None if v == _lib.NONE else v
                for v in e.mig_instances[:e.n_gpus])
        return out

    def cuda_visible_devices(self, job: int, node: Union[int, str, None] = None,
                             uuids: bool = False) -> str:
        """CUDA_VISIBLE_DEVICES for a job on one of its nodes (see
        Allocation.cuda_visible_devices)."""
        return self.allocation(job).cuda_visible_devices(node, uuids)

    # ---- retention ----------------------------------------------------

    def set_retention(self, keep_seconds: Optional[int],
                      keep_count: Optional[int]) -> None:
        """How long ended jobs (completed, failed, cancelled, preempted)
        are kept, like Slurm's MinJobAge and MaxJobCount. At each step an
        ended job is forgotten when it ended ``keep_seconds`` or more
        before the step's ``now``, or when more than ``keep_count`` ended
        jobs are held (the earliest ended first); None for either: no
        limit of that kind. The library's defaults are 300 seconds and
        10,000 jobs (the constructor's ``keep_seconds``/``keep_count``).

        A job is kept while an event naming it is queued (see
        :attr:`events`) or while a job that depends on it has not ended.
        Its usage was charged when it ended; on_forget()'s callback sees
        its final record first. A forgotten job is NotFoundError to
        every call (job(), allocation()...), and jobs() no longer lists
        it.

        Raises:
            RangeError: ``keep_seconds`` negative or beyond 2^60,
                ``keep_count`` negative or beyond 2^63-1 (TypeError: not an
                integer or None). Nothing changes.
        """
        secs, count = _retention(keep_seconds, keep_count)
        with self._use() as p:
            lib.gs_sched_set_retention(p, secs, count)

    @property
    def retention(self) -> Tuple[Optional[int], Optional[int]]:
        """The retention in force, as ``(keep_seconds, keep_count)``
        (set_retention(), the constructor's keywords, or what a restored
        or reopened scheduler's snapshot and journal say); None for "no
        limit of that kind". A new scheduler's is ``(300, 10000)``."""
        secs, count = ctypes.c_int64(0), ctypes.c_int64(0)
        with self._use() as p:
            lib.gs_sched_retention(p, byref(secs), byref(count))
        return tuple(None if v.value == _lib.KEEP_FOREVER else v.value
                     for v in (secs, count))

    def on_forget(self, callback: Optional[Callable[[Job], object]]
                  ) -> None:
        """Call ``callback(job)`` with the final record of each ended job
        (a :class:`Job`: its state, submission, start and end times...)
        just before the scheduler forgets it (see set_retention()): for
        accounting, like Slurm's job completion log. None removes the
        callback; a new one replaces the old.

        The callback runs within step(), on its thread, and must not call
        this scheduler (that raises StateError). An exception it raises
        does not stop the step: the job is forgotten all the same, and the
        first such exception is raised by step() once it has returned,
        leaving the step's events queued (next_event(), :attr:`events` or
        the next step() return them). The callback is not saved in a
        snapshot or a journal: set it again after restore() or open().

        Raises:
            TypeError: ``callback`` is not callable.
        """
        if callback is None:
            fn = _lib.FORGET_FN()               # NULL: no hook
        elif not callable(callback):
            raise TypeError(f"on_forget's callback must be callable, not "
                            f"{type(callback).__name__}")
        else:
            def forget(user_data, sched, info):
                try:
                    callback(_job(info.contents))
                except BaseException as exc:  # noqa: B902 (re-raised)
                    callback_failed(exc)
            fn = _lib.FORGET_FN(forget)
        with self._use() as p:
            lib.gs_sched_set_forget_hook(p, fn, None)
            # the library holds the pointer: keep the callback alive
            self._keep["forget"] = fn

    # ---- durable state: snapshots and the journal -----------------------

    def save(self, path: Union[str, bytes, "os.PathLike"]) -> None:
        """Write a snapshot of the whole state (jobs in every state with
        their requests and allocations, queued events, usage, drains and
        failed GPUs, limits, settings, the id counter and the clock) to
        ``path``, atomically: a temporary file in the same directory,
        fsync, rename over ``path``, fsync of the directory, so that a
        crash leaves the old file or the new one, whole. The scheduler is
        not changed. Scheduler.restore(topology, path) makes a scheduler
        that decides exactly as this one would.

        Policies written in Python are saved by name (register them again
        before restoring); the on_forget() callback and the clock are not
        saved.

        Raises:
            InputOutputError: the file could not be written (the message
                has the system's reason); the old file, if any, is intact.
        """
        raw = _path(path, "path")
        with self._use() as p:
            lib.gs_sched_save_file(p, raw)

    def accounting(self) -> str:
        """The accounting records of every job held that started, as CSV
        (docs/formats.md): ``job,name,user,account,partition,state,submit,
        start,end,gpus,model,gpu_seconds,cpu_seconds``, one line per GPU
        model a job held; a running job's end is the clock. Jobs are
        forgotten after their retention: keep records with
        job_accounting() from on_forget()."""
        export = lib.require("gs_sched_export_accounting")
        return self._written(export).decode("utf-8", "replace")

    def job_accounting(self, job: int) -> str:
        """The accounting lines of one job (no header; "" if it never
        started). NotFoundError for an unknown job."""
        j = self._job_id(job)
        fn = lib.require("gs_sched_job_accounting")
        with self._use() as p:
            return sized_text(fn, p, j)

    def snapshot(self) -> bytes:
        """The snapshot save() writes, as bytes (the same bytes for two
        schedulers in the same state). Scheduler.restore(topology, data)
        reads it back."""
        return self._written(lib.gs_sched_save)

    def _written(self, call) -> bytes:
        """What ``call(sched, gs_write_fn, user_data)`` writes, as bytes."""
        chunks: List[bytes] = []

        def write(user_data, data, size):
            try:
                chunks.append(ctypes.string_at(data, size))
                return 0
            except BaseException as exc:  # noqa: B902 (re-raised)
                callback_failed(exc)
                return _status_of(exc)

        fn = _lib.WRITE_FN(write)
        with self._use() as p:
            call(p, fn, None)
        return b"".join(chunks)

    @classmethod
    def restore(cls, topology: Topology, source, share: Optional[Share] = None,
                *, clock: Optional[Callable[[], int]] = None,
                name: Optional[str] = None) -> "Scheduler":
        """A scheduler made from a snapshot (save(), snapshot(), the C
        library's gs_sched_save), in the state it was saved in.

        Args:
            topology: a frozen :class:`Topology` matching the saved one:
                the same nodes in the same order, with the same names,
                GPU counts and models, CPUs and memory. The scheduler
                keeps it alive, as a constructed one does.
            source: the snapshot: bytes (or a bytearray or memoryview), a
                file's path (str, bytes or os.PathLike), or a binary file
                object (anything with ``read(n)``), read to its end.
            share: a :class:`Share` to load the saved accounts and usage
                into (it must hold every saved account and user); None: the
                scheduler gets its own tree, rebuilt from the snapshot.
            clock: as for the constructor (not saved in snapshots).
            name: what messages call the snapshot (default: the path, or
                "<snapshot>").

        Ordering, fair-share and placement policies are looked up by their
        saved names: register policies written in Python first. The
        on_forget() callback is not saved: set it again. The restored
        scheduler reports its saved settings: :attr:`placement`,
        :attr:`ordering`, :attr:`fairshare`, :attr:`retention`,
        :attr:`clock_time`.

        Raises:
            InconsistentError: the topology does not match; the message
                names the first difference.
            ParseError: damaged input (the message has the byte offset).
            UnsupportedError: a snapshot of a newer format.
            NotFoundError: a saved policy is not registered.
            InputOutputError: the file cannot be read.
            RangeError: more than 4 GiB.
            NotFrozenError: the topology is not frozen.
            TypeError: ``source`` is none of the above.
        """
        opts = _lib.new_struct(_lib.RestoreOptionsC,
                               "gs_restore_options_init")
        opts.name = encode(name, "name")
        data = path = read_fn = None
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
        elif isinstance(source, (str, os.PathLike)):
            path = _path(source, "source")
        elif callable(getattr(source, "read", None)):
            read_fn = _lib.READ_FN(_reader(source))
        else:
            raise TypeError(f"source must be the snapshot's bytes, a path "
                            f"or a binary file object, not "
                            f"{type(source).__name__}")

        def create(out, tp, share_ptr):
            if share_ptr is not None:
                opts.share = share_ptr
            if data is not None:
                lib.gs_sched_restore_buffer(byref(out), tp, byref(opts),
                                            data, len(data))
            elif path is not None:
                lib.gs_sched_restore_file(byref(out), tp, byref(opts), path)
            else:
                lib.gs_sched_restore(byref(out), tp, byref(opts), read_fn,
                                     None)

        self = cls.__new__(cls)
        HandleOwner.__init__(self)
        self._attach(topology, share, clock, create)
        return self

    @classmethod
    def open(cls, topology: Topology,
             path: Union[str, bytes, "os.PathLike"], *,
             sync: Union[str, SyncPolicy] = "always", sync_every: int = 64,
             on_warning: Optional[Callable[[str], object]] = None,
             share: Optional[Share] = None,
             clock: Optional[Callable[[], int]] = None,
             **scheduler_kwargs) -> "Scheduler":
        """A durable scheduler: its state survives a crash of the process
        or the machine. It lives in two files: the snapshot ``path`` and
        the journal ``path + ".journal"``. Opening restores the snapshot
        (or makes a new scheduler when there is none), replays the
        journal's records made after it, and from then on every call that
        changes the state (submit, step, the ends of jobs, drains,
        failures, limits, settings, consuming events...) is written to the
        journal before it returns. checkpoint() compacts the pair; close()
        (or dropping the object, or a crash) loses nothing that a call
        acknowledged. What each ``sync`` policy may lose in a machine
        crash: see :class:`SyncPolicy` and docs/state.md.

        Args:
            topology: a frozen :class:`Topology` (checked against the
                snapshot's, as for restore()); kept alive.
            path: the snapshot's file.
            sync: "always" (fsync after each recorded call), "every"
                (every ``sync_every`` calls) or "never" (only at
                checkpoints and sync()).
            sync_every: calls between fsyncs for sync="every".
            on_warning: ``on_warning(message)`` is told what recovery had
                to drop (a torn last record, from a crash in the middle of
                writing it), with the file and byte offset; default: a
                Python warning (RuntimeWarning).
            share: a :class:`Share` holding the accounts, as for restore()
                and the constructor.
            clock: as for the constructor (not saved).
            scheduler_kwargs: the constructor's keywords (placement,
                ordering, backfill, keep_seconds...) for a scheduler made
                new, when neither file exists. Ignored when the store
                exists: the snapshot has its own settings (:attr:`placement`,
                :attr:`ordering`, :attr:`fairshare` and :attr:`retention`
                report them; change them with the set_* methods, which are
                journaled).

        Changes made directly to the account tree (Share methods) are not
        journaled: the next checkpoint() saves them. Like restore(), the
        on_forget() callback must be set again after opening.

        Raises:
            InputOutputError: a file cannot be read or created. When a
                later call cannot write the journal it raises
                InputOutputError, and the scheduler refuses every change
                (InputOutputError) until a checkpoint() succeeds.
            ParseError: a damaged snapshot, or a damaged journal record
                that has records after it (nothing is opened).
            InconsistentError: the topology does not match the snapshot.
            UnsupportedError, NotFoundError: as for restore().
            TypeError: an unknown keyword.
        """
        raw = _path(path, "path")
        policy = SyncPolicy.parse(sync, "sync")
        every = check_int(sync_every, "sync_every", 1, _lib.UINT32_MAX)
        if on_warning is not None and not callable(on_warning):
            raise TypeError(f"on_warning must be callable, not "
                            f"{type(on_warning).__name__}")
        try:
            bound = _CONFIG_SIGNATURE.bind(**scheduler_kwargs)
        except TypeError as e:
            raise TypeError(f"Scheduler.open: {e}") from None
        bound.apply_defaults()
        kw = dict(bound.arguments)
        retention = _retention(kw.pop("keep_seconds"), kw.pop("keep_count"))
        cfg = _config(**kw)
        store = _lib.new_struct(_lib.StoreConfigC, "gs_store_config_init")
        store.path = raw
        store.sync = int(policy)
        store.sync_every = every
        store.sched = ctypes.pointer(cfg)
        warned: List[str] = []
        opened = []

        def warn(user_data, message):
            text = decode(message) or ""
            if not opened:
                warned.append(text)     # told once open() has returned
                return
            try:
                _tell(on_warning, text)
            except BaseException as exc:  # noqa: B902 (re-raised)
                callback_failed(exc)

        store.warn = _lib.WARN_FN(warn)
        new = not os.path.exists(raw)    # as the library decides

        def create(out, tp, share_ptr):
            if share_ptr is not None:
                store.share = share_ptr
            lib.gs_sched_open(byref(out), tp, byref(store))
            if new and retention != _DEFAULT_RETENTION:
                lib.gs_sched_set_retention(out, *retention)

        self = cls.__new__(cls)
        HandleOwner.__init__(self)
        try:
            self._attach(topology, share, clock, create)
        except BaseException:
            for text in warned:
                _tell(on_warning, text)
            raise
        self._keep["warn"] = store.warn
        self._store_path = os.fsdecode(raw)
        try:
            for text in warned:
                _tell(on_warning, text)
        except BaseException:
            self.close()
            raise
        opened.append(True)
        return self

    def _need_store(self, what: str) -> None:
        self._check()                   # ClosedError first
        if self._store_path is None:
            raise StateError(f"{what}(): this scheduler was not opened with "
                             f"Scheduler.open(), it has no journal")

    def checkpoint(self) -> None:
        """Compact a scheduler from Scheduler.open(): write a new snapshot
        atomically, then empty the journal. A crash at any point leaves a
        pair of files that opens to the same state. Call it now and then
        (the journal grows with every recorded call, and reopening replays
        it) and before a planned shutdown. After a journal write failed, a
        successful checkpoint() lets the scheduler change again.

        Raises:
            StateError: the scheduler was not opened with open().
            InputOutputError: the snapshot could not be written (the old
                pair still opens to the same state).
        """
        self._need_store("checkpoint")
        with self._use() as p:
            lib.gs_sched_checkpoint(p)

    def sync(self) -> None:
        """fsync the journal of a scheduler from Scheduler.open() now,
        whatever its ``sync`` policy.

        Raises:
            StateError: the scheduler was not opened with open().
            InputOutputError: the system refused.
        """
        self._need_store("sync")
        with self._use() as p:
            lib.gs_sched_sync(p)

    @property
    def journal_seq(self) -> int:
        """How many state-changing calls the scheduler has taken since it
        was first made (restores and replays included): the sequence
        number of its last journal record. Any scheduler counts; one from
        open() journals them."""
        with self._use() as p:
            return lib.gs_sched_journal_seq(p)

    @property
    def store_path(self) -> Optional[str]:
        """The snapshot file of a scheduler from Scheduler.open() (its
        journal is this + ".journal"), else None."""
        return self._store_path

    # ---- partitions, defaults, holds, changes and time limits -----------

    def add_partition(self, name: str,
                      nodes: Union[str, Iterable[Union[int, str]],
                                   None] = None, *,
                      default: bool = False, max_gpus_per_job: int = 0,
                      max_gpus_per_user: int = 0, default_time: int = 0,
                      max_time: int = 0, priority_tier: int = 0,
                      preempts: Union[str, Sequence[str], None] = None,
                      def_cpus_per_gpu: int = 0,
                      def_mem_per_gpu: Union[int, str] = 0) -> int:
        """Add a partition (a queue, like Slurm's ``PartitionName=``): a
        named set of nodes with its own limits and defaults; returns its
        index. Partitions are added before the first job is submitted;
        once there is one, every job runs in one of them (its
        ``partition=``, or the default one) and nodes in none run no job.
        A node may be in several. 0 means "no limit" or "no default".

        Args:
            name: 1 to 64 letters, digits, ``_``, ``.`` or ``-``.
            nodes: a Slurm hostlist ("dgx[01-16],gpu1"), or node indices
                or names; None, "" or "ALL": every node.
            default: jobs that name no partition run here (without any
                default, the first partition added).
            max_gpus_per_job: most GPUs one job may ask for here (a job
                over it is left out of this partition at submission, or
                refused when it names no other).
            max_gpus_per_user: most GPUs one user's running jobs may hold
                here (a job over it waits, reason LIMIT).
            default_time: time limit of jobs that set none, seconds.
            max_time: longest time limit, seconds; a job without one gets
                it.
            priority_tier: jobs of a higher tier are considered before any
                job of a lower tier, whatever their priority.
            preempts: partitions whose running jobs this one's jobs may
                preempt (with preemption on), by name ("scavenger" or a
                list): they need not be preemptible.
            def_cpus_per_gpu, def_mem_per_gpu: CPUs and host memory (bytes
                or "16GiB") per GPU for jobs that set none (else the
                scheduler's, set_job_defaults()).

        Raises:
            InvalidArgument: a bad name or hostlist, a node that does not
                exist, an unknown partition in ``preempts``,
                ``default_time`` above ``max_time`` (the message says
                which).
            AlreadyExistsError: the name is taken.
            BusyError: jobs were submitted already.
            RangeError: a number out of range (counts 0..2^32-1, times
                0..2^60 s, memory 0..2^60 bytes), or a 65th partition.
        """
        fn = lib.require("gs_sched_add_partition")
        raw_name = encode(name, "name", allow_none=False)
        spec = _lib.new_struct(_lib.PartitionSpecC, "gs_partition_spec_init")
        spec.name = raw_name
        spec.is_default = int(check_bool(default, "default"))
        spec.max_gpus_per_job = _u32(max_gpus_per_job, "max_gpus_per_job")
        spec.max_gpus_per_user = _u32(max_gpus_per_user,
                                      "max_gpus_per_user")
        spec.default_time = check_int(default_time, "default_time",
                                      *_DURATION)
        spec.max_time = check_int(max_time, "max_time", *_DURATION)
        spec.priority_tier = _u32(priority_tier, "priority_tier")
        spec.preempts = name_list(preempts, "preempts")
        spec.def_cpus_per_gpu = _u32(def_cpus_per_gpu, "def_cpus_per_gpu")
        spec.def_mem_per_gpu = _mem_default(def_mem_per_gpu,
                                            "def_mem_per_gpu")
        with self._use() as p:
            spec.nodes = self._hostlist(nodes)
            fn(p, byref(spec))
            return lib.gs_sched_find_partition(p, raw_name)

    def _hostlist(self, nodes) -> Optional[bytes]:
        """A partition's nodes as the library takes them: a hostlist as it
        is, or node indices and names joined by commas."""
        if nodes is None or isinstance(nodes, (str, bytes)):
            return encode(nodes, "nodes")
        names = []
        for node in nodes:
            idx = self._node(node)
            names.append(decode(lib.gs_topo_node_name(self._tp, idx)) or "")
        if not names:
            raise InvalidArgument("nodes is an empty list (None: every "
                                  "node)")
        return ",".join(names).encode("utf-8")

    def _partition(self, p, partition: Union[int, str]) -> int:
        """A partition's index from its index or name (checked)."""
        count = lib.gs_sched_partition_count(p)
        if isinstance(partition, str):
            idx = lib.gs_sched_find_partition(p, encode(partition,
                                                        "partition"))
            if idx == NONE:
                raise NotFoundError(f"no partition named {partition!r}")
            return idx
        idx = check_int(partition, "partition", 0, _lib.UINT32_MAX)
        if idx >= count:
            raise InvalidArgument(
                f"partition {idx} does not exist (the scheduler has "
                f"{count} partition{'s' * (count != 1)})")
        return idx

    def _partition_info(self, p, i: int) -> PartitionInfo:
        out = _lib.out_struct(_lib.PartitionInfoC)
        lib.gs_sched_partition_info(p, i, byref(out))
        return PartitionInfo(
            index=i, name=decode(out.name) or "",
            default=bool(out.is_default), nodes=out.nodes, gpus=out.gpus,
            gpus_in_use=out.gpus_in_use, running=out.running,
            max_gpus_per_job=out.max_gpus_per_job,
            max_gpus_per_user=out.max_gpus_per_user,
            default_time=out.default_time, max_time=out.max_time,
            priority_tier=out.priority_tier,
            def_cpus_per_gpu=out.def_cpus_per_gpu,
            def_mem_per_gpu=out.def_mem_per_gpu)

    @property
    def partitions(self) -> List[PartitionInfo]:
        """Every partition in the order they were added, with its settings
        and counts now (GPUs in use, running jobs); [] without
        partitions."""
        fn = lib.require("gs_sched_partition_count")
        with self._use() as p:
            return [self._partition_info(p, i) for i in range(fn(p))]

    def partition(self, partition: Union[int, str]) -> PartitionInfo:
        """One partition, by name or index (NotFoundError: no such name;
        InvalidArgument: no such index)."""
        lib.require("gs_sched_partition_info")
        with self._use() as p:
            return self._partition_info(p, self._partition(p, partition))

    def find_partition(self, name: str) -> int:
        """A partition's index by name (NotFoundError when there is
        none)."""
        fn = lib.require("gs_sched_find_partition")
        raw = encode(name, "name", allow_none=False)
        with self._use() as p:
            idx = fn(p, raw)
        if idx == NONE:
            raise NotFoundError(f"no partition named {name!r}")
        return idx

    def node_in_partition(self, node: Union[int, str],
                          partition: Union[int, str]) -> bool:
        """Whether a node (index or hostname) is in a partition (name or
        index)."""
        fn = lib.require("gs_sched_node_in_partition")
        with self._use() as p:
            n = self._node(node)
            return fn(p, n, self._partition(p, partition)) == 1

    def job_partition(self, job: int) -> Optional[str]:
        """The partition a job runs in (or ran in, or the only one it may
        run in); None without partitions, or for a pending job that may
        run in several (job_partitions()). NotFoundError for an unknown
        job."""
        fn = lib.require("gs_sched_job_partition")
        j = self._job_id(job)
        with self._use() as p:
            self._job_info(p, j)
            return decode(fn(p, j))

    def job_partitions(self, job: int) -> List[str]:
        """The partitions a job may run in, in the order they are tried
        (highest priority tier first, then the order they were added); []
        without partitions. NotFoundError for an unknown job."""
        fn = lib.require("gs_sched_job_partitions")
        j = self._job_id(job)
        with self._use() as p:
            self._job_info(p, j)
            return [x for x in sized_text(fn, p, j).split(",") if x]

    def set_job_defaults(self, cpus_per_gpu: int = 0,
                         mem_per_gpu: Union[int, str] = 0) -> None:
        """CPUs and host memory (bytes or "16GiB") per GPU for jobs that
        set none (like Slurm's ``DefCpuPerGPU`` and ``DefMemPerGPU``); 0:
        none. A partition's own defaults win. Applies to jobs submitted
        from now on.

        Raises:
            RangeError: ``cpus_per_gpu`` outside 0..2^32-1, ``mem_per_gpu``
                outside 0..2^60 bytes.
        """
        fn = lib.require("gs_sched_set_job_defaults")
        cpus = _u32(cpus_per_gpu, "cpus_per_gpu")
        mem = _mem_default(mem_per_gpu, "mem_per_gpu")
        with self._use() as p:
            fn(p, cpus, mem)

    def set_auto_accounts(self, on: bool) -> None:
        """Whether accounts and users that the account tree does not list
        are created when a job names them (below root, 1 share each). Off
        by default: as soon as the tree lists an account, a job naming an
        account it does not list (or a user its account does not list,
        when it lists users) is refused with NotFoundError. A tree that
        lists no account takes every name."""
        fn = lib.require("gs_sched_set_auto_accounts")
        flag = int(check_bool(on, "on"))
        with self._use() as p:
            fn(p, flag)

    def hold(self, job: int) -> None:
        """Keep a pending job from starting (reason HELD, ``job.held``)
        until release(). Holding a held job is allowed.

        Raises:
            NotFoundError: no such job.
            BusyError: the job is not pending (the message says its
                state).
        """
        fn = lib.require("gs_sched_hold")
        j = self._job_id(job)
        with self._use() as p:
            fn(p, j)

    def release(self, job: int) -> None:
        """Let a held job start again (at a later step()).

        Raises:
            NotFoundError: no such job.
            BusyError: the job is not pending.
            InvalidArgument: it is not held.
        """
        fn = lib.require("gs_sched_release")
        j = self._job_id(job)
        with self._use() as p:
            fn(p, j)

    def update_job(self, job: int, *, priority=_UNCHANGED,
                   time_limit=_UNCHANGED, gpus=_UNCHANGED,
                   partition=_UNCHANGED, constraint=_UNCHANGED) -> None:
        """Change a pending job (like ``scontrol update job``): only the
        keywords given change. ``priority`` (an int64), ``time_limit``
        (seconds, 0: none, or the partition's default), ``gpus`` (a
        multiple of its ``gpus_per_node``), ``partition`` (as for submit;
        None: the default partition), ``constraint`` (None: none). The new
        request is checked as a submission is (limits, partitions, whether
        the cluster could ever run it); on any error nothing changes.

        Raises:
            NotFoundError: no such job, or a feature no node has.
            BusyError: the job is running or has ended (the message says
                which).
            InvalidArgument: a bad value (a GPU count that is not a
                multiple of its gpus_per_node, a partition that does not
                exist or whose limits it exceeds...).
            NoResourcesError: the job as changed could never run.
            RangeError: a number out of range (checked first: priority
                within an int64, time_limit 0..2^60, gpus 0..2^32-1).
        """
        fn = lib.require("gs_sched_update_job")
        j = self._job_id(job)
        u = _lib.new_struct(_lib.JobUpdateC, "gs_job_update_init")
        fields = 0
        if priority is not _UNCHANGED:
            u.priority = check_int(priority, "priority", *_I64)
            fields |= _lib.UPDATE_PRIORITY
        if time_limit is not _UNCHANGED:
            u.time_limit = check_int(time_limit, "time_limit", *_DURATION)
            fields |= _lib.UPDATE_TIME_LIMIT
        if gpus is not _UNCHANGED:
            u.gpus = _u32(gpus, "gpus")
            fields |= _lib.UPDATE_GPUS
        if partition is not _UNCHANGED:
            u.partition = name_list(partition, "partition")
            fields |= _lib.UPDATE_PARTITION
        if constraint is not _UNCHANGED:
            u.constraint = encode(constraint, "constraint")
            fields |= _lib.UPDATE_CONSTRAINT
        u.fields = fields
        if not fields:
            return
        with self._use() as p:
            fn(p, j, byref(u))

    def set_timeout_grace(self, seconds: int) -> None:
        """Grace after a running job's time limit before step() reports
        it with a TIMEOUT event (like Slurm's ``OverTimeLimit``), 0 to
        2^60 seconds; 0 by default. The event comes once per job, and
        ``job.timed_out`` becomes True; the host stops the job and calls
        timeout().

        Raises:
            RangeError: outside 0..2^60 (TypeError: not an integer).
        """
        fn = lib.require("gs_sched_set_timeout_grace")
        secs = check_int(seconds, "seconds", *_DURATION)
        with self._use() as p:
            fn(p, secs)

    # ---- placement: NUMA mode, look-ahead, demand ----------------------

    def set_numa_mode(self, mode: Union[str, NumaMode, int]) -> None:
        """How nvlink-pack weighs a job's NUMA domains against what its
        choice leaves for the jobs that come next (docs/placement.md):
        "prefer" (the default: the remainder first, then fewer NUMA
        domains), "strict" (fewer NUMA domains first) or "ignore". Also
        ``numa=`` in the constructor's ``placement_options``. Kept in
        snapshots and the journal.

        Raises:
            InvalidArgument: another name or number (a ValueError naming
                it).
            UnsupportedError: a library without it.
        """
        fn = lib.require("gs_sched_set_numa_mode")
        m = NumaMode.parse(mode, "NUMA mode")
        with self._use() as p:
            fn(p, int(m))

    def numa_mode(self) -> str:
        """The NUMA mode in use: "prefer", "strict" or "ignore".

        Raises:
            UnsupportedError: a library without it.
        """
        fn = lib.require("gs_sched_numa_mode")
        with self._use() as p:
            return NumaMode.coerce(fn(p)).label

    def lookahead(self) -> Tuple[str, bool]:
        """The look-ahead mode ("off", "on" or "auto") and whether it runs
        now (under "auto": while a demand is set).

        Raises:
            UnsupportedError: a library without it.
        """
        fn = lib.require("gs_sched_lookahead")
        active = c_int(0)
        with self._use() as p:
            mode = fn(p, byref(active))
        return ("off", "on", "auto")[mode], bool(active.value)

    def set_lookahead(self, on: Union[bool, str]) -> None:
        """Set nvlink-pack's look-ahead: True (on), False (off) or "auto"
        (the default: on while the host has set a demand with
        set_demand(), off with only the learned one). On, among the sets
        best for a job itself on a node, it takes the one whose remaining
        free GPUs serve the demand (demand()) best. Off, ties go to fewer
        NUMA domains, then to the sets that break the fewest intact NVLink
        groups (the rule before patterns). Also ``lookahead=on|off|auto``
        in ``placement_options``. Kept in snapshots and the journal (a
        snapshot older than the look-ahead restores with it off).

        Raises:
            TypeError: not True, False, 1, 0 or "auto".
            UnsupportedError: a library without it.
        """
        fn = lib.require("gs_sched_set_lookahead")
        flag = 2 if on == "auto" and isinstance(on, str) else \
            int(check_bool(on, "on"))
        with self._use() as p:
            fn(p, flag)

    def set_quiet_steps(self, on: bool) -> None:
        """Turn quiet steps on (True) or off (False, the default): a step()
        that can start nothing is then known without ranking and planning
        every pending job (since the last full step only submissions and
        ends of running jobs, the blocker still does not fit and still
        ranks first). The decisions are those of full steps, event by
        event; only the values and factors job_priority() reports for jobs
        a quiet step did not compare are older. Applies without backfill or
        with EASY backfill at every step (interval 0, depth up to 1,024),
        without preemption, partitions or limits. Not kept in snapshots:
        set it again after open().

        Raises:
            TypeError: not a bool (or 0/1).
            UnsupportedError: a library without it.
        """
        fn = lib.require("gs_sched_set_quiet_steps")
        flag = int(check_bool(on, "on"))
        with self._use() as p:
            fn(p, flag)

    def quiet_steps(self) -> Tuple[bool, int]:
        """Whether quiet steps are on, and how many steps were quiet since
        they were turned on.

        Raises:
            UnsupportedError: a library without it.
        """
        fn = lib.require("gs_sched_quiet_steps")
        n = c_uint64(0)
        with self._use() as p:
            on = fn(p, byref(n))
        return bool(on), int(n.value)

    def set_demand(self, entries: Iterable[Tuple[int, Union[str, Pattern,
                                                            int], float]]
                   ) -> None:
        """Tell nvlink-pack's look-ahead what jobs are coming: up to 8
        (gpus, pattern, weight) entries, e.g. ``[(2, "ring", 3.0), (4,
        "any", 1.0)]`` (each size and pattern once; weights are relative:
        they become shares, quantized to 1/64). An empty list goes back to
        learning the demand from submissions (the default). demand() reads
        the profile in use.

        Raises:
            RangeError: more than 8 entries; ``gpus`` outside 1..64; a
                weight that is NaN, infinite, 0 or less, or above 1e12.
            InvalidArgument: an unknown pattern, a (gpus, pattern) given
                twice.
            TypeError: an entry that is not a triple, a value of the wrong
                type.
            UnsupportedError: a library without it.
        Nothing changes when an entry is refused.
        """
        fn = lib.require("gs_sched_set_demand")
        items = _demand_entries(entries)
        arr = (_lib.DemandEntryC * max(1, len(items)))()
        for slot, (gpus, pat, weight) in zip(arr, items):
            slot.gpus, slot.pattern, slot.weight = gpus, pat, weight
        with self._use() as p:
            fn(p, arr, len(items))

    def demand(self) -> List[DemandEntry]:
        """The demand profile the look-ahead uses, heaviest first: (gpus,
        pattern name, share) tuples (:class:`DemandEntry`) whose shares
        sum to 1; the host's (set_demand()) or, by default, learned from
        submissions as of the last step (the most common sizes and
        patterns of jobs, by GPUs asked); [] before anything was
        learned."""
        fn = lib.require("gs_sched_demand")
        arr = (_lib.DemandEntryC * _lib.MAX_DEMAND)()
        with self._use() as p:
            n = fn(p, arr, _lib.MAX_DEMAND)
        return [DemandEntry(e.gpus, pattern_name(e.pattern), e.weight)
                for e in arr[:min(n, _lib.MAX_DEMAND)]]

    # ---- shared GPUs: the fragmentation job mix, per-GPU shares ---------

    def set_frag_classes(self, classes: Iterable[Union[FragClass, tuple,
                                                       dict]]) -> None:
        """Set the job mix the fragmentation measure judges free GPU
        capacity by; the "frag-aware" and "fgd" placement policies put
        each job where the measure grows least. Each class is a kind of job
        expected: a :class:`FragClass`, a tuple ``(gpus, gpu_milli, cpus,
        mem, weight)`` (trailing fields may be left out) or a dict with
        those keys (``gpus`` required)::

            sched.set_frag_classes([(1, 1000), (1, 500, 4),
                                    {"gpus": 2, "weight": 2}])

        ``gpus`` 1 to 64; ``gpu_milli`` 1 to 1000 (the default 1000: whole
        GPUs); ``cpus`` and ``mem`` (bytes or "8GiB") are in all, not per
        GPU (default 0: none); ``weight`` above 0 and at most 1e15 (default
        1; weights become shares). At most 32 classes, none twice. An empty
        list goes back to learning the mix from submissions (the default:
        the most common kinds, refreshed every 64 submissions). The
        ``frag_classes`` key of configure() does the same.

        A node's fragmentation for one class is the free GPU share that
        class could not use there: all of the node's free share when the
        class does not fit on the node at all (too few GPUs with room,
        CPUs or memory), else the free share of the GPUs with less room
        than one of its GPUs needs; fragmentation() sums the classes'
        weighted values over the nodes (Weng et al., USENIX ATC '23).

        Raises:
            RangeError: more than 32 classes; a number out of range (the
                message names the class and the field), a weight that is
                NaN, infinite or 0.
            InvalidArgument: a class given twice, an unknown key, a shared
                class with more GPUs than any node has.
            TypeError: a class or value of the wrong type.
            UnsupportedError: a library without shared GPUs.
        Nothing changes when a class is refused.
        """
        fn = lib.require("gs_sched_set_frag_classes")
        items = _frag_classes(classes)
        arr = (_lib.FragClassC * max(1, len(items)))()
        for slot, (gpus, milli, cpus, mem, weight) in zip(arr, items):
            slot.gpus, slot.gpu_milli, slot.cpus = gpus, milli, cpus
            slot.mem, slot.weight = mem, weight
        with self._use() as p:
            fn(p, arr, len(items))

    def frag_classes(self) -> List[FragClass]:
        """The job mix in use, heaviest first, as :class:`FragClass`
        tuples whose weights are shares summing to 1: the one set with
        set_frag_classes() (or configure()), or the one learned from
        submissions as of the last step ([] before any submission).

        Raises:
            UnsupportedError: a library without shared GPUs.
        """
        fn = lib.require("gs_sched_frag_classes")
        arr = (_lib.FragClassC * _lib.MAX_FRAG_CLASSES)()
        with self._use() as p:
            n = fn(p, arr, _lib.MAX_FRAG_CLASSES)
        return [FragClass(c.gpus, c.gpu_milli, c.cpus, c.mem, c.weight)
                for c in arr[:min(n, _lib.MAX_FRAG_CLASSES)]]

    def fragmentation(self) -> float:
        """The cluster's fragmentation now, in GPUs: the free GPU capacity
        the job mix (frag_classes()) could not use, summed over the nodes
        (see set_frag_classes()); 0.0 without a mix.

        Raises:
            UnsupportedError: a library without shared GPUs.
        """
        fn = lib.require("gs_sched_fragmentation")
        out = ctypes.c_double(0.0)
        with self._use() as p:
            fn(p, byref(out))
        return out.value

    def set_mig_uuid(self, job: int, gpu: int, uuid: str) -> None:
        """Record the UUID ("MIG-...") of the MIG instance the host made
        for a running MIG job on one of its GPUs (a cluster-wide id) in
        dynamic mode, at the start its allocation gives
        (``AllocationNode.mig_starts``): CUDA_VISIBLE_DEVICES then names
        it. A fixed layout's instances take their UUIDs from the topology.

        Raises:
            NotFoundError: no such job.
            InvalidArgument: not a running MIG job, not one of its GPUs, a
                malformed UUID or another instance's. Nothing changes.
            UnsupportedError: a library without MIG.
        """
        fn = lib.require("gs_sched_set_mig_uuid")
        j = self._job_id(job)
        g = self._gpu(gpu)
        raw = encode(uuid, "uuid", allow_none=False)
        with self._use() as p:
            fn(p, j, g, raw)

    def gpu_share(self, gpu: int) -> GpuShare:
        """What the jobs on one GPU (a cluster-wide id) use, as a
        :class:`GpuShare` ``(milli, mem, jobs)``: the share in use in
        milli-GPU (1000 when a whole-GPU job holds it), the device memory
        of its shared jobs in bytes (a whole-GPU job: all of it) and the
        number of jobs; ``.free_milli`` is the share left.

        Raises:
            InvalidArgument: no such GPU (TypeError: not an integer).
            UnsupportedError: a library without shared GPUs.
        """
        fn = lib.require("gs_sched_gpu_share")
        g = self._gpu(gpu)
        milli, mem, jobs = c_uint32(0), c_uint64(0), c_uint32(0)
        with self._use() as p:
            fn(p, g, byref(milli), byref(mem), byref(jobs))
        return GpuShare(milli.value, mem.value, jobs.value)

    # ---- ordering, fair share, limits ------------------------------------

    def configure(self, text: Union[str, bytes],
                  name: Optional[str] = None) -> None:
        """Configure from JSON (the accounts file of docs/formats.md):
        "accounts" and "users" go into the share tree; the optional keys
        "ordering", "fairshare", "half_life", "priority_weights",
        "usage_weights", "limits", "backfill" (a mode, or {"mode",
        "depth", "horizon", "interval"}), "preemption" and "frag_classes"
        (the fragmentation job mix: a list of {"gpus", "gpu_milli",
        "cpus", "mem", "weight"}, as set_frag_classes()) set the rest::

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

    def update_usage(self, now: Optional[int] = None) -> None:
        """Charge the running jobs' usage up to time ``now`` (the scheduler
        does it by itself when a job ends and when fair share is
        recomputed). Call it before reading usage from :attr:`share`.
        ``now`` is required unless the scheduler has a ``clock``, and
        must not be earlier than the latest time it was given."""
        t = self._time(now, "update_usage")
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
            self._job_info(p, j)        # NotFoundError for no such job
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

    @property
    def placement(self) -> str:
        """The name of the scheduler's placement policy, as configured
        ("nvlink-pack" by default; see :func:`placements`). A restored or
        reopened scheduler reports the saved one."""
        with self._use() as p:
            return decode(lib.gs_sched_placement(p)) or ""

    @property
    def fairshare(self) -> str:
        """The name of the scheduler's fair-share algorithm ("fair-tree"
        by default, "classic", or a registered one; set_fairshare()
        changes it). A restored or reopened scheduler reports the saved
        one."""
        with self._use() as p:
            return decode(lib.gs_sched_fairshare(p)) or ""

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

    def fail_gpu(self, gpu: int, now: Optional[int] = None) -> Optional[int]:
        """Mark a GPU failed. The job holding it (if any) fails and frees
        what it held; its id is returned (None when the GPU was idle) and
        reported as a FAILED event, which this call consumes (unless
        older events are still queued: then it stays behind them, for
        next_event() or the next step()). The GPU stays unusable until
        repair_gpu(). ``now`` (the time of the failure) is required unless
        the scheduler has a ``clock``, as for step()."""
        t = self._time(now, "fail_gpu")
        job = c_uint64(0)
        with self._use() as p:
            g = self._gpu(gpu)
            queued = lib.gs_sched_event_count(p)
            lib.gs_sched_fail_gpu(p, g, t, byref(job))
            if job.value and not queued:
                # its FAILED event, alone in the queue: reported here
                _consume(p, self._events(p))
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
                placement = decode(lib.gs_sched_placement(p))
        except Exception:  # pragma: no cover
            return "<gpusched.Scheduler>"
        where = "" if not placement else f" {placement!r},"
        return (f"<gpusched.Scheduler{where} {n} job"
                f"{'s' * (n != 1)}, {free}/{total} GPUs free>")
