"""Ordering policies and fair-share algorithms written in Python
(``gs_ordering_ops``, ``gs_fairshare_ops``).

A policy registered here is a table of ctypes callbacks that call your
Python functions; any scheduler then picks it by name, like a built-in
one::

    deadlines = {}                      # job id -> deadline, your clock

    def deadline_first(job):            # larger goes first
        return -deadlines.get(job.id, 2 ** 40)

    gpusched.register_ordering("deadline", deadline_first)
    sched = gpusched.Scheduler(topo, ordering="deadline")

Lifetime: the library keeps the table by pointer, and a scheduler using it
keeps using it after unregister_ordering() (as in C). So every table
registered here, with its callbacks and the Python functions they call,
is kept by this module for the life of the process, unregistered or not.
Register policies once, at start-up.

Errors: a C library cannot unwind through a Python exception. An exception
raised by your function is caught: the job it was asked about ranks lowest
(priority: NaN, compare: tie, outranks: no; a fair-share algorithm's
compute makes the library fall back to the classic factors), and the first
such exception is raised again by the gpusched call that ran the callback
(``Scheduler.step``, ``Scheduler.complete``...) once that call has
returned. The scheduler's state is then that of a complete call.
"""

from __future__ import annotations

import math
import numbers
import operator
import threading
from typing import Any, Callable, Dict, List, Optional

from . import _lib
from ._handle import callback_failed, check_bool, decode
from ._lib import lib
from .errors import (AlreadyExistsError, Error, InvalidArgument,
                     NotFoundError, OutOfMemory, StateError,
                     UnsupportedError)
from .objects import FairshareAlgo, Ordering

__all__ = ["OrderJob", "register_ordering", "unregister_ordering",
           "orderings", "register_fairshare", "unregister_fairshare",
           "fairshare_algorithms"]

# Every table registered from Python, its callbacks and the bytes it
# points to, forever: the library and its schedulers hold raw pointers.
_kept: List[tuple] = []
_register_lock = threading.Lock()
_NAN = math.nan


# ---- the job view ------------------------------------------------------


def _expired() -> StateError:
    return StateError("this job view was valid during the policy call only "
                      "(keep job.as_dict() or the fields you need)")


# The fields are read through the view's ctypes struct (_c) by C-level
# getters where no conversion is needed: the view is made for every
# pending job at every step. After the call _c is deleted; reading a field
# then fails over to OrderJob.__getattr__, which says why.


def _field(name: str, doc: str):
    return property(operator.attrgetter("_c." + name), doc=doc)


def _converted(name: str, doc: str, convert: Callable):
    read = operator.attrgetter("_c." + name)

    def get(self):
        return convert(read(self))
    get.__name__ = name
    return property(get, doc=doc)


def _text(raw: Optional[bytes]) -> Optional[str]:
    return None if raw is None else raw.decode("utf-8", "replace")


def _fairshare(value: float) -> Optional[float]:
    return None if value < 0 else value


class OrderJob:
    """What an ordering policy sees of a job (``gs_order_job``): a
    read-only view, valid during the call it is passed to (afterwards its
    fields raise StateError; keep ``as_dict()`` if you need them later).

    The normalized factors (``fairshare``, ``age_factor``, ``size_factor``,
    ``priority_factor``) are computed only for a policy registered with
    ``uses_factors=True``; otherwise ``fairshare`` is None and the others
    are 0.
    """

    __slots__ = ("_c",)

    def __init__(self, c) -> None:
        self._c = c

    id = _field("id", "The job's id (ids grow with submission).")
    name = _converted("name", "Its name, or None.", _text)
    user = _converted("user", "Its user, or None.", _text)
    account = _converted("account", "Its account, or None.", _text)
    partition = _converted("partition", "Its partition, or None (jobs have "
                           "no partition yet).", _text)
    gpus = _field("gpus", "GPUs it asks for.")
    min_nodes = _field("min_nodes", "Fewest nodes it asks for.")
    running = _converted("running", "True when it runs (a preemption victim "
                         "asked about by outranks), False when pending.",
                         bool)
    preemptible = _converted("preemptible", "True: it may be preempted.",
                             bool)
    priority = _field("priority", "Its own priority (an integer).")
    nice = _field("nice", "Its nice value.")
    submit_time = _field("submit_time", "Its submission time.")
    time_limit = _field("time_limit", "Its time limit, seconds (0: none).")
    now = _field("now", "The time of the step asking (your clock).")
    age = _field("age", "Seconds waited: now - submit_time, at least 0.")
    requeues = _field("requeues", "Times it was requeued by preemption.")
    site_factor = _field("site_factor", "The host's factor for the job "
                         "(Scheduler.set_job_factor; 0 when never set).")
    fairshare = _converted("fairshare", "The fair-share factor in [0, 1] of "
                           "its user in its account (uses_factors=True), "
                           "else None.", _fairshare)
    age_factor = _field("age_factor", "age / max_age, capped at 1 "
                        "(uses_factors=True), else 0.")
    size_factor = _field("size_factor", "GPUs asked / GPUs in the cluster "
                         "(uses_factors=True), else 0.")
    priority_factor = _field("priority_factor", "Its priority / the largest "
                             "among pending jobs, in [0, 1] "
                             "(uses_factors=True), else 0.")

    @property
    def weights(self) -> Dict[str, float]:
        """The scheduler's multifactor weights (set_priority_weights), as a
        dict: age, fairshare, job_size, priority, max_age, calc_period."""
        w = self._c.weights.contents
        return {"age": w.age, "fairshare": w.fairshare,
                "job_size": w.job_size, "priority": w.priority,
                "max_age": w.max_age, "calc_period": w.calc_period}

    _FIELDS = ("id", "name", "user", "account", "partition", "gpus",
               "min_nodes", "running", "preemptible", "priority", "nice",
               "submit_time", "time_limit", "now", "age", "requeues",
               "site_factor", "fairshare", "age_factor", "size_factor",
               "priority_factor")

    def __getattr__(self, name: str):
        # reached only when the normal lookup failed: a field of a view
        # whose call has returned, or no such attribute
        if name == "_c" or name == "weights" or name in OrderJob._FIELDS:
            raise _expired()
        raise AttributeError(f"'OrderJob' object has no attribute {name!r}")

    def as_dict(self) -> Dict[str, Any]:
        """Every field (weights included) as a dict: a copy that outlives
        the call."""
        out = {f: getattr(self, f) for f in self._FIELDS}
        out["weights"] = self.weights
        return out

    def __repr__(self) -> str:
        try:
            return (f"<OrderJob {self.id} {self.name!r} user={self.user!r} "
                    f"gpus={self.gpus}{' running' if self.running else ''}>")
        except StateError:
            return "<OrderJob (expired)>"


_view_at = _lib.OrderJobC.from_address


# ---- checks -------------------------------------------------------------


def _policy_name(name, what: str) -> bytes:
    """A policy name as the library takes it: a non-empty string without
    NUL, control characters or surrounding spaces."""
    if not isinstance(name, str):
        raise TypeError(f"{what} name must be a string, not "
                        f"{type(name).__name__}")
    if not name or name != name.strip():
        raise InvalidArgument(f"{what} name {name!r} is empty or has "
                              f"surrounding spaces")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise InvalidArgument(f"{what} name {name!r} contains a control "
                              f"character")
    return name.encode("utf-8")


def _callable(fn, what: str, required: bool = False):
    if fn is None:
        if required:
            raise TypeError(f"{what} must be a function, not None")
        return None
    if not callable(fn):
        raise TypeError(f"{what} must be callable, not "
                        f"{type(fn).__name__}")
    return fn


def _describe(description, what: str) -> Optional[bytes]:
    if description is None:
        return None
    if not isinstance(description, str):
        raise TypeError(f"description must be a string, not "
                        f"{type(description).__name__}")
    if "\0" in description:
        raise InvalidArgument(f"{what} description contains a NUL character")
    return description.encode("utf-8")


def _real(value, policy: str, fn: str) -> float:
    """A callback's number: an int or a real, not a bool or a string."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"ordering policy {policy!r}: {fn}() returned "
                        f"{type(value).__name__}, not a number")
    return float(value)


# ---- trampolines --------------------------------------------------------
#
# Each calls one Python function; nothing may escape into the C library.


def _priority_trampoline(fn, policy: str):
    def priority(state, job):
        view = OrderJob(_view_at(job))
        try:
            value = fn(view)
            if type(value) is float:
                return value
            if type(value) is int:
                return float(value)  # OverflowError beyond the doubles
            return _real(value, policy, "priority")
        except BaseException as exc:  # noqa: B902 (handed to the caller)
            callback_failed(exc)
            return _NAN
        finally:
            del view._c
    return priority


def _compare_trampoline(fn, policy: str):
    def compare(state, a, b):
        va, vb = OrderJob(_view_at(a)), OrderJob(_view_at(b))
        try:
            value = _real(fn(va, vb), policy, "compare")
            return -1 if value < 0 else 1 if value > 0 else 0
        except BaseException as exc:  # noqa: B902
            callback_failed(exc)
            return 0
        finally:
            del va._c, vb._c
    return compare


def _outranks_trampoline(fn, policy: str):
    def outranks(state, hi, lo):
        vh, vl = OrderJob(_view_at(hi)), OrderJob(_view_at(lo))
        try:
            value = fn(vh, vl)
            if value is None:
                raise TypeError(f"ordering policy {policy!r}: outranks() "
                                f"returned None, not True or False")
            return 1 if value else 0
        except BaseException as exc:  # noqa: B902
            callback_failed(exc)
            return 0
        finally:
            del vh._c, vl._c
    return outranks


def _hook_trampoline(fn):
    def hook(state, *args):
        try:
            fn(*args)
        except BaseException as exc:  # noqa: B902
            callback_failed(exc)
    return hook


def _status_of(exc: BaseException) -> int:
    """What a failed fair-share algorithm answers the library: the status
    of a gpusched error it let through, else GS_ENOMEM for a MemoryError
    and GS_EINVAL for anything else."""
    if isinstance(exc, Error) and exc.status is not None and exc.status < 0:
        return exc.status
    cls = OutOfMemory if isinstance(exc, MemoryError) else InvalidArgument
    return cls.status_code if cls.status_code is not None else -1


def _compute_trampoline(fn):
    from .fairshare import Share

    def compute(arg, share, now):
        view = Share._borrowed(share)
        try:
            fn(view, now)
            return 0
        except BaseException as exc:  # noqa: B902
            callback_failed(exc)
            return _status_of(exc)
        finally:
            view._release()
    return compute


# ---- registries ------------------------------------------------------------


def _need(name: str):
    return lib.require(name)


def orderings() -> List[str]:
    """Names of the registered ordering policies, built-ins first
    ("multifactor", "fifo", "priority")."""
    count = _need("gs_ordering_count")()
    name = lib.gs_ordering_name
    return [decode(name(i)) or "" for i in range(count)]


def fairshare_algorithms() -> List[str]:
    """Names of the registered fair-share algorithms, built-ins first
    ("fair-tree", "classic")."""
    count = _need("gs_fairshare_count")()
    name = lib.gs_fairshare_name
    return [decode(name(i)) or "" for i in range(count)]


def register_ordering(name: str, priority: Optional[Callable] = None, *,
                      compare: Optional[Callable] = None,
                      outranks: Optional[Callable] = None,
                      uses_factors: bool = False,
                      ties_by_priority: bool = False,
                      description: Optional[str] = None,
                      refresh: Optional[Callable] = None,
                      job_started: Optional[Callable] = None,
                      job_ended: Optional[Callable] = None) -> None:
    """Register an ordering policy written in Python under ``name``; any
    scheduler may then use it (``Scheduler(topo, ordering=name)``,
    ``set_ordering(name)``, the JSON key "ordering").

    At every step the scheduler asks ``priority(job)`` for each pending job
    (an :class:`OrderJob`) and starts them by decreasing value: ties go to
    the larger own priority (``ties_by_priority=True``), then the earlier
    submission, then the lower id. A NaN ranks lowest, infinities are
    kept. For an order a number cannot express give ``compare(a, b)``
    instead (or as well: it then decides the order): negative when ``a``
    goes first, positive when ``b`` does, 0 for a tie; it must be a
    consistent order, and it is called O(n log n) times per step where
    ``priority`` is called n times.

    Cost: a Python ordering costs about 1 µs per pending job per step on
    a 2-core x86 machine (the deadline policy with a fair-share floor of
    ``examples/custom_ordering.py``, 10,000 pending jobs: run it with
    ``--bench 10000``; a policy returning a constant costs about 0.4 µs),
    against 0.03 µs for the built-in multifactor ordering: fine for tens
    of thousands of pending jobs stepped every few seconds; write the
    policy in C when a step must take microseconds.

    Args:
        name: a unique name (built-in names are taken).
        priority: ``priority(job) -> float``, larger first.
        compare: ``compare(a, b) -> number`` (see above).
        outranks: ``outranks(hi, lo) -> bool``: may pending job ``hi``
            preempt running job ``lo`` (``Scheduler(preempt=...)``)?
            Default: ``priority(hi) > priority(lo)`` (with compare only:
            ``compare(hi, lo) < 0``).
        uses_factors: the policy reads ``job.fairshare`` and the other
            normalized factors: the scheduler then charges usage and
            recomputes fair share (every calc_period) before asking.
        ties_by_priority: equal values are ordered by the jobs' own
            priorities (larger first) before their submission times.
        description: one line, for listings.
        refresh: ``refresh(now)``, called once per step before any job is
            ranked (after fair share was recomputed).
        job_started, job_ended: ``hook(job_id, now)`` when a job starts,
            and when a running job ends (completed, failed, cancelled,
            preempted).

    The functions run on the thread calling the scheduler, within its
    call, and must not call that scheduler (doing so raises StateError).
    An exception they raise ranks the job lowest and is raised again by
    the scheduler call that ran them, once it returns. The policy is kept
    for the life of the process, even after unregister_ordering()
    (schedulers using it keep it). ``Scheduler(ordering_options=)`` goes
    to C policies' init function only.

    Raises:
        AlreadyExistsError: a policy of that name is registered.
        InvalidArgument: a bad name (empty, control characters,
            surrounding spaces), neither priority nor compare.
        TypeError: a name that is not a string, a function that is not
            callable.
        OutOfMemory: 64 policies are registered already.
    """
    raw = _policy_name(name, "ordering policy")
    priority = _callable(priority, "priority")
    compare = _callable(compare, "compare")
    if priority is None and compare is None:
        raise InvalidArgument(f"ordering policy {name!r}: give priority or "
                              f"compare (or both)")
    outranks = _callable(outranks, "outranks")
    refresh = _callable(refresh, "refresh")
    job_started = _callable(job_started, "job_started")
    job_ended = _callable(job_ended, "job_ended")
    flags = 0
    if check_bool(uses_factors, "uses_factors"):
        flags |= _lib.ORDERING_USES_FACTORS
    if check_bool(ties_by_priority, "ties_by_priority"):
        flags |= _lib.ORDERING_TIES_BY_PRIORITY
    text = _describe(description, f"ordering policy {name!r}")
    register = _need("gs_ordering_register")
    if lib.gs_ordering_abi_version() < _lib.ORDERING_ABI_VERSION:
        raise UnsupportedError(  # pragma: no cover (a future binding)
            f"the library's ordering ABI is version "
            f"{lib.gs_ordering_abi_version()}; this binding writes "
            f"{_lib.ORDERING_ABI_VERSION}")
    ops = _lib.OrderingOpsC()
    ops.abi_version = _lib.ORDERING_ABI_VERSION
    ops.name = raw
    ops.description = text
    ops.flags = flags
    funcs = []
    if priority is not None:
        funcs.append(_lib.ORDER_PRIORITY_FN(
            _priority_trampoline(priority, name)))
        ops.priority = funcs[-1]
    if compare is not None:
        funcs.append(_lib.ORDER_COMPARE_FN(
            _compare_trampoline(compare, name)))
        ops.compare = funcs[-1]
    if outranks is not None:
        funcs.append(_lib.ORDER_OUTRANKS_FN(
            _outranks_trampoline(outranks, name)))
        ops.outranks = funcs[-1]
    if refresh is not None:
        funcs.append(_lib.ORDER_REFRESH_FN(_hook_trampoline(refresh)))
        ops.refresh = funcs[-1]
    for fld, fn in (("job_started", job_started), ("job_ended", job_ended)):
        if fn is not None:
            funcs.append(_lib.ORDER_HOOK_FN(_hook_trampoline(fn)))
            setattr(ops, fld, funcs[-1])
    with _register_lock:
        try:
            register(ops)
        except AlreadyExistsError:
            raise AlreadyExistsError(
                f"an ordering policy named {name!r} is already registered "
                f"({', '.join(orderings())})") from None
        except Error as e:
            raise type(e)(f"ordering policy {name!r} was refused: "
                          f"{e.message}", e.status, e.name) from None
        _kept.append((ops, funcs, raw, text,
                      (priority, compare, outranks, refresh, job_started,
                       job_ended)))


def unregister_ordering(name: str) -> None:
    """Remove a policy registered with register_ordering() from the
    registry: new schedulers can no longer pick it; schedulers using it
    keep it (its functions stay alive for the life of the process).

    Raises:
        NotFoundError: no such policy.
        InvalidArgument: a built-in policy.
    """
    raw = _policy_name(name, "ordering policy")
    unregister = _need("gs_ordering_unregister")
    with _register_lock:
        try:
            unregister(raw)
        except NotFoundError:
            raise NotFoundError(f"no ordering policy named {name!r} "
                                f"({', '.join(orderings())})") from None
        except InvalidArgument:
            raise InvalidArgument(f"{name!r} is a built-in ordering policy: "
                                  f"it cannot be unregistered") from None


def register_fairshare(name: str, compute: Callable, *,
                       description: Optional[str] = None) -> None:
    """Register a fair-share algorithm written in Python under ``name``;
    schedulers pick it by name (``Scheduler(fairshare=name)``,
    ``set_fairshare(name)``), and ``Share.compute(name, now)`` runs it.

    ``compute(share, now)`` gets the tree (a :class:`Share`, valid during
    the call) with every row's usage, shares and classic factor already
    computed at time ``now``, and sets the factors it wants with
    ``share.set_factor(row_index, factor)`` (rows in the order of
    ``share.rows()``; factors in [0, 1]). Rows it does not set keep the
    classic factor.

    An exception raised by ``compute`` leaves the classic factors and is
    raised again by the gpusched call that ran it (``Share.compute``,
    ``Scheduler.step``...). The algorithm is kept for the life of the
    process, even after unregister_fairshare().

    Raises:
        AlreadyExistsError: an algorithm of that name is registered.
        InvalidArgument: a bad name.
        TypeError: compute is not callable.
    """
    raw = _policy_name(name, "fair-share algorithm")
    compute = _callable(compute, "compute", required=True)
    text = _describe(description, f"fair-share algorithm {name!r}")
    register = _need("gs_fairshare_register")
    ops = _lib.FairshareOpsC()
    ops.abi_version = _lib.FAIRSHARE_ABI_VERSION
    ops.name = raw
    ops.description = text
    fn = _lib.FAIRSHARE_COMPUTE_FN(_compute_trampoline(compute))
    ops.compute = fn
    with _register_lock:
        try:
            register(ops)
        except AlreadyExistsError:
            raise AlreadyExistsError(
                f"a fair-share algorithm named {name!r} is already "
                f"registered ({', '.join(fairshare_algorithms())})") from None
        except Error as e:
            raise type(e)(f"fair-share algorithm {name!r} was refused: "
                          f"{e.message}", e.status, e.name) from None
        _kept.append((ops, fn, raw, text, compute))


def unregister_fairshare(name: str) -> None:
    """Remove a fair-share algorithm registered with register_fairshare()
    (schedulers using it keep it).

    Raises:
        NotFoundError: no such algorithm.
        InvalidArgument: a built-in one.
    """
    raw = _policy_name(name, "fair-share algorithm")
    unregister = _need("gs_fairshare_unregister")
    with _register_lock:
        try:
            unregister(raw)
        except NotFoundError:
            raise NotFoundError(
                f"no fair-share algorithm named {name!r} "
                f"({', '.join(fairshare_algorithms())})") from None
        except InvalidArgument:
            raise InvalidArgument(f"{name!r} is a built-in fair-share "
                                  f"algorithm: it cannot be unregistered"
                                  ) from None


def _choice(value, what: str, enum_cls, names: Callable[[], List[str]],
            counter: str):
    """A built-in member of ``enum_cls`` or the name of a registered
    policy, from a member, its label (case-insensitive), its int, or a
    registered name (exact). InvalidArgument listing the names for
    anything else."""
    registry = lib.has(counter)
    if isinstance(value, str) and registry and value in names():
        labels = {m.label: m for m in enum_cls}
        return labels.get(value, value)
    try:
        return enum_cls.parse(value, what)
    except InvalidArgument:
        known = names() if registry else [m.label for m in enum_cls]
        listed = ", ".join(f'"{n}"' for n in known)
        raise InvalidArgument(f"{what} {value!r} is not one of {listed}"
                              ) from None


def ordering_choice(value, what: str = "ordering"):
    """An :class:`Ordering` (built-in) or a registered policy's name."""
    return _choice(value, what, Ordering, orderings, "gs_ordering_count")


def fairshare_choice(value, what: str = "fairshare"):
    """A :class:`FairshareAlgo` (built-in) or a registered algorithm's
    name."""
    return _choice(value, what, FairshareAlgo, fairshare_algorithms,
                   "gs_fairshare_count")


def fairshare_ops(name: str):
    """The registered table of a fair-share algorithm (a pointer), or
    None."""
    ptr = _need("gs_fairshare_find")(name.encode("utf-8"))
    return ptr if ptr else None
