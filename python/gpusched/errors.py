"""Exceptions raised by gpusched.

Every C function of libgpusched that can fail returns a ``gs_status``: zero
for success, a negative code otherwise. The binding turns each negative code
into an exception of its own class, all deriving from :class:`Error`. The
codes are read from the library at import time (``gs_status_name`` for 0,
-1, -2, ...), so a code added to the C table later still gets a class of its
own (named after its symbol) even before this module learns a friendlier
name for it.

Each exception carries:

- ``status``: the integer code (``-3``), or ``None`` for errors that come
  from the binding itself (:class:`ClosedError`);
- ``name``: the symbolic name (``"GS_EPARSE"``);
- ``message``: what the library said about this failure (the handle's error
  message, e.g. ``cluster.json:12:7: "gpus" must be an array...``), or the
  binding's own explanation; falls back to the generic description
  (``gs_strerror``).

Several classes also derive from the matching built-in exception, so code
that does not know gpusched can still catch them: :class:`OutOfMemory` is a
:class:`MemoryError`, :class:`InvalidArgument` and :class:`ParseError` are
:class:`ValueError` s, :class:`NotFoundError` is a :class:`LookupError`,
:class:`InputOutputError` is an :class:`OSError`.
"""

from __future__ import annotations

from typing import Callable, Dict, Optional, Type

__all__ = [
    "Error",
    "ClosedError",
    "InvalidArgument",
    "OutOfMemory",
    "ParseError",
    "InputOutputError",
    "NotFoundError",
    "FrozenError",
    "NotFrozenError",
    "AlreadyExistsError",
    "RangeError",
    "NoDeviceError",
    "NoSpaceError",
    "InconsistentError",
    "BusyError",
    "UnsupportedError",
    "NoResourcesError",
    "StateError",
    "DriverError",
    "UnknownStatusError",
    "error_class",
    "error_from_status",
    "status_classes",
]


class Error(Exception):
    """Base class of every gpusched error.

    Attributes:
        status: the ``gs_status`` code (negative), or ``None`` when the error
            did not come from the C library.
        name: the status's symbolic name, e.g. ``"GS_EPARSE"``.
        message: the library's message about this failure (with
            ``file:line:column`` for parse errors, the field for invalid job
            specs...), else the generic description of the status.
    """

    #: The code of the class (set when the status table is read from the
    #: library); ``None`` for :class:`Error` itself and binding-only errors.
    status_code: Optional[int] = None
    #: The symbolic name of the class's status.
    status_name: str = ""

    def __init__(self, message: str = "", status: Optional[int] = None,
                 name: Optional[str] = None) -> None:
        if status is None:
            status = type(self).status_code
        if name is None:
            name = type(self).status_name or (
                _names.get(status, "GS_UNKNOWN") if status is not None else "")
        if not message:
            message = _strerrors.get(status, "") if status is not None else ""
        super().__init__(message)
        self.status: Optional[int] = status
        self.name: str = name
        self.message: str = message

    def __str__(self) -> str:
        if self.name:
            return f"{self.message} ({self.name})" if self.message else self.name
        return self.message

    def __reduce__(self):  # keep pickling (multiprocessing) working
        return (_rebuild, (type(self), self.message, self.status, self.name))


def _rebuild(cls, message, status, name):
    return cls(message, status, name)


class ClosedError(Error, ValueError):
    """The object was closed (``close()`` or the end of a ``with`` block):
    using it again raises this instead of touching freed memory."""


class UnknownStatusError(Error):
    """A status code that is not in the library's table."""


# Friendly classes for the codes of GS_STATUS_MAP, keyed by symbolic name
# (the C header is the authority for the numbers; the library tells them at
# import time). Each entry: name -> (class name, extra base, docstring).
_KNOWN = {
    "GS_EINVAL": ("InvalidArgument", ValueError,
                  "An argument is invalid: a bad index, a value out of its "
                  "type, a job spec the library refuses (the message names "
                  "the field)."),
    "GS_ENOMEM": ("OutOfMemory", MemoryError,
                  "The library could not allocate memory; nothing was "
                  "changed."),
    "GS_EPARSE": ("ParseError", ValueError,
                  "Input is malformed; the message gives file:line:column of "
                  "the value at fault."),
    "GS_EIO": ("InputOutputError", OSError,
               "A file could not be read or written."),
    "GS_ENOTFOUND": ("NotFoundError", LookupError,
                     "A named object (template, policy, job, node...) does "
                     "not exist."),
    "GS_EFROZEN": ("FrozenError", None,
                   "The topology is frozen and can no longer be changed."),
    "GS_ENOTFROZEN": ("NotFrozenError", None,
                      "The topology must be frozen first (Topology.freeze)."),
    "GS_EEXIST": ("AlreadyExistsError", None,
                  "An object with that name already exists."),
    "GS_ERANGE": ("RangeError", ValueError,
                  "A value is outside its allowed range."),
    "GS_ENODEV": ("NoDeviceError", None,
                  "No GPU or GPU driver was found."),
    "GS_ENOSPC": ("NoSpaceError", None,
                  "An output buffer is too small (the binding sizes its "
                  "buffers itself; seen only through the raw functions)."),
    "GS_EINVALID": ("InconsistentError", ValueError,
                    "A description is inconsistent (found when freezing a "
                    "topology, or by Scheduler.check); the message names "
                    "the node, GPU or switch."),
    "GS_EBUSY": ("BusyError", None, "A resource is in use."),
    "GS_EUNSUPPORTED": ("UnsupportedError", None,
                        "Not supported by this build of the library (or "
                        "this version)."),
    "GS_ENORES": ("NoResourcesError", None,
                  "Not enough free resources: a job that can never run, or "
                  "a preview that cannot be placed now."),
    "GS_ESTATE": ("StateError", None,
                  "Not allowed in the object's current state (e.g. "
                  "completing a job that is not running)."),
    "GS_EDRIVER": ("DriverError", None, "The GPU driver reported an error."),
}


def _make_class(symbol: str, cls_name: str, extra: Optional[type],
                doc: str) -> Type[Error]:
    bases = (Error, extra) if extra is not None else (Error,)
    cls = type(cls_name, bases, {"__doc__": doc, "__module__": __name__,
                                 "status_name": symbol})
    return cls


InvalidArgument = _make_class("GS_EINVAL", *_KNOWN["GS_EINVAL"])
OutOfMemory = _make_class("GS_ENOMEM", *_KNOWN["GS_ENOMEM"])
ParseError = _make_class("GS_EPARSE", *_KNOWN["GS_EPARSE"])
InputOutputError = _make_class("GS_EIO", *_KNOWN["GS_EIO"])
NotFoundError = _make_class("GS_ENOTFOUND", *_KNOWN["GS_ENOTFOUND"])
FrozenError = _make_class("GS_EFROZEN", *_KNOWN["GS_EFROZEN"])
NotFrozenError = _make_class("GS_ENOTFROZEN", *_KNOWN["GS_ENOTFROZEN"])
AlreadyExistsError = _make_class("GS_EEXIST", *_KNOWN["GS_EEXIST"])
RangeError = _make_class("GS_ERANGE", *_KNOWN["GS_ERANGE"])
NoDeviceError = _make_class("GS_ENODEV", *_KNOWN["GS_ENODEV"])
NoSpaceError = _make_class("GS_ENOSPC", *_KNOWN["GS_ENOSPC"])
InconsistentError = _make_class("GS_EINVALID", *_KNOWN["GS_EINVALID"])
BusyError = _make_class("GS_EBUSY", *_KNOWN["GS_EBUSY"])
UnsupportedError = _make_class("GS_EUNSUPPORTED", *_KNOWN["GS_EUNSUPPORTED"])
NoResourcesError = _make_class("GS_ENORES", *_KNOWN["GS_ENORES"])
StateError = _make_class("GS_ESTATE", *_KNOWN["GS_ESTATE"])
DriverError = _make_class("GS_EDRIVER", *_KNOWN["GS_EDRIVER"])

_BY_SYMBOL: Dict[str, Type[Error]] = {
    cls.status_name: cls for cls in (
        InvalidArgument, OutOfMemory, ParseError, InputOutputError,
        NotFoundError, FrozenError, NotFrozenError, AlreadyExistsError,
        RangeError, NoDeviceError, NoSpaceError, InconsistentError, BusyError,
        UnsupportedError, NoResourcesError, StateError, DriverError)
}

# Filled by install_status_table() from the library.
_by_code: Dict[int, Type[Error]] = {}
_names: Dict[int, str] = {}
_strerrors: Dict[int, str] = {}


def _class_name_for(symbol: str) -> str:
    """``GS_EFOO_BAR`` -> ``FooBarError`` (for codes this module predates)."""
    core = symbol[3:] if symbol.startswith("GS_") else symbol
    if core.startswith("E") and len(core) > 1:
        core = core[1:]
    parts = [p for p in core.replace("-", "_").split("_") if p]
    return "".join(p[:1].upper() + p[1:].lower() for p in parts) + "Error"


def install_status_table(name_of: Callable[[int], str],
                         strerror_of: Callable[[int], str],
                         namespace: Optional[dict] = None) -> None:
    """Read the status table from the library and bind codes to classes.

    ``name_of(code)`` is ``gs_status_name``; the table ends at the first
    code it calls ``"GS_UNKNOWN"``. Codes whose symbol this module knows get
    the class above; others get a new class named after the symbol, added
    to ``namespace`` (the package's globals) so that it can be caught by
    name.
    """
    _by_code.clear()
    _names.clear()
    _strerrors.clear()
    code = 0
    while code > -4096:
        symbol = name_of(code)
        if symbol == "GS_UNKNOWN" or not symbol:
            break
        _names[code] = symbol
        _strerrors[code] = strerror_of(code)
        if code < 0:
            cls = _BY_SYMBOL.get(symbol)
            if cls is None:
                cls = _make_class(symbol, _class_name_for(symbol), None,
                                  f"{_strerrors[code].capitalize()} "
                                  f"({symbol}).")
                _BY_SYMBOL[symbol] = cls
                if namespace is not None:
                    namespace.setdefault(cls.__name__, cls)
                    globals().setdefault(cls.__name__, cls)
            cls.status_code = code
            _by_code[code] = cls
        code -= 1


def status_classes() -> Dict[int, Type[Error]]:
    """The mapping status code -> exception class, as read from the library."""
    return dict(_by_code)


def error_class(status: int) -> Type[Error]:
    """The exception class of a negative status code."""
    return _by_code.get(status, UnknownStatusError)


def error_from_status(status: int, message: str = "") -> Error:
    """An exception instance for ``status`` with ``message`` (the generic
    description when empty)."""
    cls = error_class(status)
    return cls(message, status, _names.get(status, "GS_UNKNOWN"))
