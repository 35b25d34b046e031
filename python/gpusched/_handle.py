"""Base class for objects that own a C handle."""

from __future__ import annotations

import math
import numbers
import operator
import threading
import weakref
from contextlib import contextmanager
from typing import Iterator, List, Optional

from . import _lib
from .errors import ClosedError, InvalidArgument, RangeError


def _release_all(addrs: List[int]) -> None:
    for addr in addrs:
        _lib.ref_release(addr)


class HandleOwner:
    """Owns one C handle: freed by close(), by ``with``, or when the object
    is collected (weakref.finalize). Calls on a closed object raise
    :class:`gpusched.ClosedError`.

    Every use of the handle happens under the object's lock, so a close()
    from another thread cannot free it in the middle of a call."""

    _kind = "object"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._ptr = None
        self._addr: Optional[int] = None
        self._finalizer: Optional[weakref.finalize] = None

    def _adopt(self, ptr, destroy, also_release: List[int] = ()) -> None:
        """Take ownership of ``ptr`` (destroyed with ``destroy`` once every
        reference is gone) and of one reference to each of ``also_release``
        (released after it, e.g. a scheduler's topology)."""
        addr = _lib.ref_new(ptr, destroy)
        self._ptr = ptr
        self._addr = addr
        self._finalizer = weakref.finalize(self, _release_all,
                                           [addr, *also_release])

    def close(self) -> None:
        """Release the C handle. Calling it again does nothing; any other
        use afterwards raises ClosedError."""
        with self._lock:
            fin = self._finalizer
            self._ptr = None
            if fin is not None:
                fin()

    @property
    def closed(self) -> bool:
        """True once close() was called."""
        return self._ptr is None

    def __enter__(self):
        self._check()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _check(self):
        ptr = self._ptr
        if ptr is None:
            raise ClosedError(f"this {self._kind} is closed")
        return ptr

    @contextmanager
    def _use(self) -> Iterator:
        """``with self._use() as p:`` the handle, locked and checked.

        A Python policy callback that raised during the call (see
        gpusched.register_ordering) has its exception raised here, once
        the outermost call has returned."""
        state = calls
        with self._lock:
            ptr = self._check()
            state.depth += 1
            try:
                yield ptr
            except BaseException:
                state.depth -= 1
                failed = take_callback_error()
                if failed is not None:
                    raise failed  # the library's error becomes its context
                raise
            state.depth -= 1
        failed = take_callback_error()
        if failed is not None:
            raise failed


# ---- exceptions of Python callbacks ----------------------------------------
#
# A C library cannot unwind through a Python exception: the trampolines of
# the policy callbacks (ordering.py) catch whatever the callback raises,
# answer the library with the lowest rank (or an error status), and keep
# the first exception here, per thread. HandleOwner._use raises it once the
# library call that ran the callbacks has returned, at the outermost call
# only: a callback's own calls into gpusched (Share.set_factor from a
# fair-share algorithm) do not raise an earlier callback's exception. The
# trampolines themselves touch nothing here unless a callback raised: they
# run once per pending job per step.


class _CallState(threading.local):
    def __init__(self) -> None:
        #: Calls of gpusched objects in progress on this thread (a
        #: callback's calls nest inside the call that runs it).
        self.depth = 0
        #: The first exception a callback raised since it was last taken.
        self.error: Optional[BaseException] = None


calls = _CallState()


def callback_failed(exc: BaseException) -> None:
    """Keep ``exc`` (raised by a policy callback) unless an earlier one of
    the same library call is already kept."""
    state = calls
    if state.error is None:
        state.error = exc


def take_callback_error() -> Optional[BaseException]:
    """The kept callback exception (and forget it) when no gpusched call
    is in progress on this thread; else None."""
    state = calls
    if state.depth or state.error is None:
        return None
    exc = state.error
    state.error = None
    return exc


def check_int(value, what: str, lo: int, hi: int) -> int:
    """``value`` as an int in [lo, hi].

    TypeError naming ``what`` for anything that is not an integer (bools,
    floats and strings included: ``True`` is not a count and ``2.0`` is not
    an index); RangeError (a ValueError) when it is outside [lo, hi], so
    that no value wraps silently on its way into a C integer."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, bool) or not hasattr(type(value), "__index__"):
            raise TypeError(f"{what} must be an integer, not "
                            f"{type(value).__name__}")
        value = operator.index(value)
    if value < lo or value > hi:
        raise RangeError(f"{what} = {show_int(value)} is out of range "
                         f"({_int_bound(lo)}..{_int_bound(hi)})")
    return value


def _int_bound(x: int) -> str:
    for k in (32, 60, 63, 64):
        if abs(x) == 1 << k:
            return f"{'-' if x < 0 else ''}2^{k}"
        if x == (1 << k) - 1:
            return f"2^{k}-1"
    return str(x)


def show_int(value: int) -> str:
    """An int for a message (huge ones by size: str() refuses > 4300
    digits)."""
    if abs(value) < 10 ** 40:
        return str(value)
    return f"{'-' if value < 0 else ''}(a {value.bit_length()}-bit integer)"


def check_index(value, what: str, count: int, things: str) -> int:
    """``value`` as the index of one of ``count`` ``things`` (a node, a
    GPU...): TypeError for a non-integer, InvalidArgument (the library's
    code for "no such object") when it does not exist."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, bool) or not hasattr(type(value), "__index__"):
            raise TypeError(f"{what} must be an integer, not "
                            f"{type(value).__name__}")
        value = operator.index(value)
    if not 0 <= value < count:
        if count == 0:
            has = f"has no {things}"
        elif things == "GPUs":
            has = f"has GPUs 0-{count - 1}"
        else:
            has = f"has {count} {things if count != 1 else things[:-1]}"
        raise InvalidArgument(f"{what} {show_int(value)} does not exist "
                              f"(the topology "
                              f"{has})")
    return value


def _bound(x: float) -> str:
    for k in (60, 63, 64):
        if abs(x) == 2.0 ** k:
            return f"{'-' if x < 0 else ''}2^{k}"
    return f"{x:g}"


def check_number(value, what: str, lo: float = 0.0,
                 hi: float = math.inf) -> float:
    """``value`` (a real number, not a bool or a string) as a float in
    [lo, hi]: TypeError naming ``what`` for other types, RangeError for NaN,
    infinities and numbers out of range (the library refuses them with
    GS_ERANGE; checking here names the argument)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number, not "
                        f"{type(value).__name__}")
    if hi == math.inf:
        domain = f"a finite number >= {_bound(lo)}"
    else:
        domain = f"a number from {_bound(lo)} to {_bound(hi)}"
    try:
        f = float(value)
    except OverflowError:  # an int beyond the doubles
        raise RangeError(f"{what} = {show_int(int(value))} is out of range: "
                         f"it must be {domain}") from None
    if math.isnan(f):
        raise RangeError(f"{what} is NaN: it must be {domain}")
    if not (math.isfinite(f) and lo <= f <= hi):
        raise RangeError(f"{what} = {f:g} is out of range: it must be "
                         f"{domain}")
    return f


def check_bool(value, what: str) -> bool:
    """``value`` as a flag: True, False, 1 or 0; TypeError for anything
    else (a string such as "no" is true in Python, not here)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise TypeError(f"{what} must be True or False, not {value!r}")


def encode(value, what: str, allow_none: bool = True) -> Optional[bytes]:
    """A str (or bytes) as NUL-free UTF-8 bytes for a ``const char *``."""
    if value is None:
        if allow_none:
            return None
        raise TypeError(f"{what} must be a string, not None")
    if isinstance(value, str):
        data = value.encode("utf-8")
    elif isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    else:
        raise TypeError(f"{what} must be a string, not "
                        f"{type(value).__name__}")
    if b"\0" in data:
        raise InvalidArgument(f"{what} contains a NUL character")
    return data


def decode(raw: Optional[bytes]) -> Optional[str]:
    if raw is None:
        return None
    return raw.decode("utf-8", "replace")
