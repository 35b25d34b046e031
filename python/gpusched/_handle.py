"""Base class for objects that own a C handle."""

from __future__ import annotations

import threading
import weakref
from contextlib import contextmanager
from typing import Iterator, List, Optional

from . import _lib
from .errors import ClosedError, InvalidArgument


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
        """``with self._use() as p:`` the handle, locked and checked."""
        with self._lock:
            yield self._check()


def check_int(value, what: str, lo: int, hi: int) -> int:
    """``value`` as an int in [lo, hi]; InvalidArgument naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            import operator
            value = operator.index(value)
        except TypeError:
            raise TypeError(f"{what} must be an integer, not "
                            f"{type(value).__name__}") from None
    if value < lo or value > hi:
        raise InvalidArgument(f"{what} = {value} is out of range "
                              f"({lo}..{hi})")
    return value


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
