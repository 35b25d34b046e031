"""The topology: nodes, NUMA domains, CPUs, GPUs, links, switches, NVLink
domains (``gs_topo``)."""

from __future__ import annotations

import ctypes
import os
import re
from collections.abc import Sequence as _SequenceABC
from ctypes import byref, c_double, c_int, c_size_t, c_uint32
from fractions import Fraction
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from . import _lib
from ._handle import (HandleOwner, check_bool, check_index, check_int,
                      check_number, decode, encode)
from ._lib import NONE, lib
from .errors import (Error, InvalidArgument, NotFoundError, NotFrozenError,
                     UnsupportedError,
                     error_from_status)
from .objects import (GpuInfo, Link, LinkKind, Node, NumaDomain, NvlinkDomain,
                      Pattern, PatternInfo, PcieLevel, ProbeGpu, ProbeLib,
                      ProbePair, ProbeReport, Source, Switch, Template)

__all__ = ["Topology", "templates", "formats", "parse_size"]

PathLike = Union[str, "os.PathLike[str]"]
_MATRIX_LEGEND = 0x1
_MATRIX_SOURCES = 0x2
_LOAD_NOFREEZE = 0x1
# gs_probe_options flags (include/gpusched/probe.h)
_PROBE_PARTIAL = 0x1
_PROBE_NO_NVML = 0x2
_PROBE_NO_HWLOC = 0x4
_PROBE_NOFREEZE = 0x8


def sized_text(fn, *args, start: int = 256) -> str:
    """Call a ``(..., char *buf, size_t cap, size_t *len)`` function,
    growing the buffer when it answers GS_ENOSPC."""
    cap = start
    for _ in range(8):
        buf = ctypes.create_string_buffer(cap)
        n = c_size_t(0)
        st = fn(*args, buf, cap, byref(n))
        if st == _lib._ENOSPC:
            cap = max(n.value + 1, cap * 2)
            continue
        return buf.raw[:n.value].decode("utf-8", "replace")
    raise error_from_status(_lib._ENOSPC, f"{fn.__name__}: size keeps growing")


def _mig_profile_name(kind: int, profile: int) -> str:
    """A MIG profile's name from mig.h's table of a GPU kind."""
    info = _lib.MigProfileInfoC()
    lib.require("gs_mig_profile_get")(kind, profile, byref(info))
    return decode(info.name) or ""


def sized_u32(fn, *args, start: int = 64) -> List[int]:
    """Same for ``(..., uint32_t *out, size_t cap, size_t *count)``."""
    cap = start
    for _ in range(8):
        arr = (c_uint32 * cap)()
        n = c_size_t(0)
        st = fn(*args, arr, cap, byref(n))
        if st == _lib._ENOSPC:
            cap = max(n.value, cap * 2)
            continue
        return list(arr[:n.value])
    raise error_from_status(_lib._ENOSPC, f"{fn.__name__}: size keeps growing")


_SIZE_UNITS = {
    "": 1, "B": 1,
    "K": 1 << 10, "KIB": 1 << 10, "M": 1 << 20, "MIB": 1 << 20,
    "G": 1 << 30, "GIB": 1 << 30, "T": 1 << 40, "TIB": 1 << 40,
    "KB": 10 ** 3, "MB": 10 ** 6, "GB": 10 ** 9, "TB": 10 ** 12,
}


def parse_size(value: Union[int, str], what: str = "size") -> int:
    """Bytes from an int or a string with a unit, as the JSON format reads
    them: ``KiB MiB GiB TiB`` (also ``K M G T``) are powers of 1024, ``KB MB
    GB TB`` powers of 1000 (``"80GiB"``, ``"512 GB"``)."""
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{1,40}(?:\.\d{1,40})?)\s*([A-Za-z]*)\s*",
                         value)
        if not m or m.group(2).upper() not in _SIZE_UNITS:
            raise InvalidArgument(f"{what} {value!r} is not a size (e.g. "
                                  f"80GiB, 512GB, 1024)")
        # exact (a float would round 2^64-1 up, and overflow for long
        # digit strings)
        n = Fraction(m.group(1)) * _SIZE_UNITS[m.group(2).upper()]
        if n.denominator != 1:
            raise InvalidArgument(f"{what} {value!r} is not a whole number "
                                  f"of bytes")
        value = n.numerator
    return check_int(value, what, 0, _lib.UINT64_MAX)


def name_list(value, what: str) -> Optional[bytes]:
    """Names given as one string separated by commas, or as a list of
    names (each a string without a comma), as the library takes them."""
    if value is None or isinstance(value, (str, bytes)):
        return encode(value, what)
    try:
        names = iter(value)
    except TypeError:
        raise TypeError(f"{what} must be a string or a list of strings, "
                        f"not {type(value).__name__}") from None
    items = []
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"{what} entries must be strings, not "
                            f"{type(name).__name__}")
        if "," in name or not name.strip():
            raise InvalidArgument(f"{what} entry {name!r} is empty or "
                                  f"contains a comma")
        items.append(name)
    return encode(",".join(items), what)


def _split_names(text: str) -> List[str]:
    return [x for x in text.split(",") if x]


def parse_cc(value, what: str = "cc") -> Tuple[int, int]:
    """A compute capability from ``"8.0"``, ``(8, 0)`` or ``8.6``."""
    if value is None:
        return (0, 0)
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return (check_int(value[0], what + " major", 0, 1000),
                check_int(value[1], what + " minor", 0, 999))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = repr(float(value)) if isinstance(value, float) else f"{value}.0"
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+)(?:\.(\d+))?\s*", value)
        if m:
            return (check_int(int(m.group(1)), what + " major", 0, 1000),
                    check_int(int(m.group(2) or 0), what + " minor", 0, 999))
    raise InvalidArgument(f"{what} {value!r} is not a compute capability "
                          f"(\"8.0\" or (8, 0))")


def pattern_name(value: int) -> str:
    """A gs_comm_pattern value's name ("ring"); the library's name (or the
    number) for a value this binding does not know."""
    member = Pattern.coerce(value)
    if isinstance(member, Pattern):
        return member.label
    fn = lib.__dict__.get("gs_pattern_name")
    return (decode(fn(value)) if fn else None) or str(value)


def _pattern_info(info, gpus: Sequence[int], pattern: Pattern) -> PatternInfo:
    """A PatternInfo from a gs_pattern_info the library filled."""
    return PatternInfo(
        gpus=tuple(gpus), pattern=pattern.label, bandwidth=info.bandwidth,
        q=info.q, ring=info.ring, ring_single=info.ring_single,
        rings=info.rings, all_to_all=info.all_to_all,
        weakest_pair=info.weakest_pair, bisection=info.bisection,
        chain=info.chain, exact=bool(info.exact))


def templates() -> List[Template]:
    """The built-in templates: name, description, whether it is a cluster."""
    out = []
    for i in range(lib.gs_template_count()):
        out.append(Template(decode(lib.gs_template_name(i)) or "",
                            decode(lib.gs_template_description(i)) or "",
                            lib.gs_template_is_cluster(i) == 1))
    return out


def template_json(name: str) -> str:
    """The JSON text of a built-in template (docs/formats.md)."""
    for i in range(lib.gs_template_count()):
        if decode(lib.gs_template_name(i)) == name:
            return decode(lib.gs_template_json(i)) or ""
    raise _no_template(name)


def _no_template(name: str) -> NotFoundError:
    names = ", ".join(t.name for t in templates())
    return NotFoundError(f"no built-in template {name!r} (there are: {names})")


def formats() -> List[str]:
    """Names of the input formats Topology.load understands ("auto",
    "json", "smi", "hwloc", "slurm-topology", "slurm-gres")."""
    out = []
    i = 0
    while True:
        name = lib.gs_format_name(i)
        if name is None:
            return out
        out.append(decode(name))
        i += 1


def _format_code(fmt: Optional[str]) -> int:
    if fmt is None:
        return 0
    code = c_int(0)
    data = encode(fmt, "format", allow_none=False)
    try:
        lib.gs_format_from_name(data, byref(code))
    except NotFoundError:
        raise InvalidArgument(f"unknown format {fmt!r} (known: "
                              f"{', '.join(formats())})") from None
    return code.value


def _source_code(value) -> int:
    return int(Source.parse(value, "source"))


def _pcie_code(value) -> int:
    if value is None:
        return 0
    if isinstance(value, PcieLevel):
        return int(value)
    if isinstance(value, str):
        v = value.strip().upper()
        if v == "?":
            return 0
        try:
            return int(PcieLevel[v])
        except KeyError:
            pass
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return int(PcieLevel(value))
        except ValueError:
            pass
    raise InvalidArgument(f"pcie {value!r} is not one of PIX, PXB, PHB, NODE, "
                          f"SYS or None")


def _opt_bool(v: int) -> Optional[bool]:
    return None if v < 0 else bool(v)


def _opt_int(v: int) -> Optional[int]:
    return None if v < 0 else v


def _opt_index(v: int) -> Optional[int]:
    return None if v == NONE else v


def _read_report(report, warnings: Sequence[str]) -> Optional[ProbeReport]:
    """A Python copy of a C probe report (None when there is none)."""
    if not report:
        return None
    s = _lib.new_struct(_lib.ProbeSummaryC, "gs_probe_summary_init")
    lib.gs_probe_report_summary(report, byref(s))
    libs = []
    for i in range(3):
        st = s.lib_status[i]
        libs.append(ProbeLib(st, decode(lib.gs_status_name(st)) or "",
                             decode(s.lib_message[i]) or "",
                             decode(s.lib_name[i])))
    gpus = []
    pairs = {}
    for g in range(s.gpus):
        c = _lib.new_struct(_lib.ProbeGpuC, "gs_probe_gpu_init")
        lib.gs_probe_report_gpu(report, g, byref(c))
        gpus.append(ProbeGpu(
            g, _opt_int(c.cuda_ordinal), _opt_index(c.nvml_index),
            _opt_bool(c.multi_gpu_board), _opt_int(c.board_group),
            _opt_bool(c.mig_mode), _opt_bool(c.mig_pending),
            c.nvlinks_active, c.nvlinks_to_gpus, c.nvlinks_to_switches,
            c.nvlinks_to_cpus, c.nvlinks_other,
            Source.coerce(c.attr_source), Source.coerce(c.numa_source),
            Source.coerce(c.nvlink_source)))
        for h in range(s.gpus):
            if h == g:
                continue
            p = _lib.new_struct(_lib.ProbePairC, "gs_probe_pair_init")
            lib.gs_probe_report_pair(report, g, h, byref(p))
            pairs[(g, h)] = ProbePair(
                g, h, _opt_bool(p.access_supported),
                _opt_bool(p.native_atomics), _opt_int(p.performance_rank),
                _opt_bool(p.nvlink_p2p), Source.coerce(p.nvlink_source),
                Source.coerce(p.pcie_source))
    return ProbeReport(
        status_name=decode(lib.gs_status_name(s.status)) or "",
        partial=bool(s.partial), gpus=s.gpus,
        cuda=libs[0], nvml=libs[1], hwloc=libs[2],
        cuda_driver_version=s.cuda_driver_version or None,
        cuda_devices=s.cuda_devices, vanished=s.vanished,
        nvml_driver_version=decode(s.nvml_driver_version),
        nvml_devices=_opt_index(s.nvml_devices),
        cuda_visible_devices=decode(s.cuda_visible_devices),
        visible_entries=s.visible_entries,
        visible_stop=_opt_index(s.visible_stop),
        gpu_info=tuple(gpus), pairs=pairs, warnings=tuple(warnings))


class Topology(HandleOwner):
    """A machine or a cluster: nodes with NUMA domains, CPUs, memory and
    GPUs, the links between GPUs, a switch tree and NVLink domains.

    Get one from a source::

        topo = Topology.load("dgx1-v100")          # a built-in template
        topo = Topology.load("cluster.json")       # a file (any format)
        topo = Topology.from_json(text)            # JSON in memory

    or build it (``Topology()``, then ``add_node``, ``add_numa``,
    ``add_gpu``, ``set_link``... and ``freeze()``). Queries need a frozen
    topology; builder calls need an unfrozen one.

    GPUs have a cluster-wide id (what queries and the scheduler take) and an
    index on their node: node n's GPUs are ``node(n).first_gpu + index``.

    A Topology owns its C handle: ``close()`` or a ``with`` block releases
    it (a scheduler built on it keeps the C topology alive until the
    scheduler is closed too).
    """

    _kind = "topology"
    #: What the probe found, for a topology from :meth:`probe` (else None).
    probe_report: Optional[ProbeReport] = None

    def __init__(self) -> None:
        """An empty topology in the building phase."""
        super().__init__()
        out = _lib.TopoP()
        lib.gs_topo_create(byref(out))
        self._adopt(out, lib.gs_topo_destroy)
        self.load_warnings: Tuple[str, ...] = ()

    @classmethod
    def _from_ptr(cls, ptr, warnings: Sequence[str] = ()) -> "Topology":
        self = cls.__new__(cls)
        HandleOwner.__init__(self)
        self._adopt(ptr, lib.gs_topo_destroy)
        self.load_warnings = tuple(warnings)
        return self

    # ---- loading ------------------------------------------------------

    @staticmethod
    def _options(format: Optional[str], node_templates, hostname,
                 freeze: bool, sink: List[str],
                 max_input_bytes: Optional[int] = None):
        opts = _lib.new_struct(_lib.LoadOptionsC, "gs_load_options_init")
        opts.format = _format_code(format)
        opts.flags = 0 if check_bool(freeze, "freeze") else _LOAD_NOFREEZE
        if max_input_bytes is not None:
            limit = check_int(max_input_bytes, "max_input_bytes", 1,
                              _lib.UINT64_MAX)
            if not _lib.field_known(opts, "max_input_bytes"):
                raise UnsupportedError("max_input_bytes is not supported by "
                                       "this library version")
            opts.max_input_bytes = limit
        if node_templates is not None:
            if isinstance(node_templates, dict):
                node_templates = ";".join(f"{k}={v}" for k, v in
                                          node_templates.items())
            opts.node_templates = encode(node_templates, "node_templates")
        opts.hostname = encode(hostname, "hostname")

        def warn(_user, message):
            try:
                sink.append(decode(message) or "")
            except Exception:  # never raise into C
                pass

        cb = _lib.WARNING_FN(warn)
        opts.warn = cb
        return opts, cb

    @classmethod
    def load(cls, source: PathLike, format: Optional[str] = None,
             node_templates: Union[str, dict, None] = None,
             hostname: Optional[str] = None,
             freeze: bool = True,
             max_input_bytes: Optional[int] = None) -> "Topology":
        """Load a topology from a built-in template name or a file.

        Args:
            source: a template name (``"dgx-h100"``, see :func:`templates`),
                a path, or ``"hwloc"`` for this machine through hwloc.
            format: ``None``/``"auto"`` detects it; else one of
                :func:`formats` (``"json"``, ``"smi"`` for ``nvidia-smi topo
                -m`` text, ``"hwloc"`` for an XML export, ``"slurm-topology"``,
                ``"slurm-gres"``).
            node_templates: hardware of the nodes a Slurm topology.conf
                names: a template name for all, ``"gpu[001-064]=dgx-h100;..."``
                or a dict {hostlist: template}.
            hostname: name of the node for formats describing one machine.
            freeze: False leaves it unfrozen so that you can add to it.
            max_input_bytes: the largest file to read (None: the library's
                default, 256 MiB); a larger file, or an endless one such as
                a FIFO, raises RangeError.

        Raises:
            ParseError: malformed input (the message has file:line:column).
            InconsistentError: the description is inconsistent.
            InputOutputError: the file cannot be read (or does not exist and
                is not a template name).
        """
        warnings: List[str] = []
        opts, _cb = cls._options(format, node_templates, hostname, freeze,
                                 warnings, max_input_bytes)
        src = os.fsencode(source) if not isinstance(source, bytes) else source
        if b"\0" in src:
            raise InvalidArgument("source contains a NUL character")
        return cls._run_loader(lib.gs_topo_load, (src, byref(opts)), warnings)

    @classmethod
    def _run_loader(cls, loader, args, warnings) -> "Topology":
        out = _lib.TopoP()
        try:
            loader(byref(out), *args)
        except BaseException:
            if out:
                lib.gs_topo_destroy(out)
            raise
        return cls._from_ptr(out, warnings)

    @classmethod
    def from_text(cls, text: Union[str, bytes], format: Optional[str] = None,
                  name: Optional[str] = None,
                  node_templates: Union[str, dict, None] = None,
                  hostname: Optional[str] = None,
                  freeze: bool = True) -> "Topology":
        """Load a topology from text in memory (any format; see load()).
        ``name`` is used in error messages (default ``"<buffer>"``)."""
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        warnings: List[str] = []
        opts, _cb = cls._options(format, node_templates, hostname, freeze,
                                 warnings)
        return cls._run_loader(
            lib.gs_topo_load_buffer,
            (data, len(data), encode(name, "name"), byref(opts)), warnings)

    @classmethod
    def from_json(cls, text: Union[str, bytes], name: Optional[str] = None,
                  freeze: bool = True) -> "Topology":
        """Load a topology from JSON text (docs/formats.md)."""
        return cls.from_text(text, format="json", name=name, freeze=freeze)

    @classmethod
    def load_hwloc(cls, xml_path: Optional[PathLike] = None,
                   hostname: Optional[str] = None,
                   freeze: bool = True,
                   max_input_bytes: Optional[int] = None) -> "Topology":
        """A one-node topology from hwloc: this machine (``xml_path=None``)
        or an hwloc XML export (at most ``max_input_bytes``, see load()).
        UnsupportedError when the library was built without hwloc."""
        fn = lib.require("gs_topo_load_hwloc")
        warnings: List[str] = []
        opts, _cb = cls._options(None, None, hostname, freeze, warnings,
                                 max_input_bytes)
        path = None if xml_path is None else os.fsencode(xml_path)
        if path is not None and b"\0" in path:
            raise InvalidArgument("xml_path contains a NUL character")
        return cls._run_loader(fn, (path, byref(opts)), warnings)

    @classmethod
    def probe(cls, *, cuda_library: Optional[PathLike] = None,
              nvml_library: Optional[PathLike] = None,
              hwloc_xml: Optional[PathLike] = None,
              hostname: Optional[str] = None, partial: bool = False,
              nvml: bool = True, hwloc: bool = True,
              freeze: bool = True) -> "Topology":
        """This machine, as the CUDA driver, NVML and hwloc see it: a
        one-node topology (``gs_topo_probe``). Its ``probe_report``
        (:class:`ProbeReport`) says what each source gave.

        Args:
            cuda_library, nvml_library: the driver libraries (default:
                ``$GPUSCHED_CUDA_LIBRARY`` / ``$GPUSCHED_NVML_LIBRARY``,
                else ``libcuda.so.1`` / ``libnvidia-ml.so.1``).
            hwloc_xml: an hwloc XML export to read instead of this machine.
            hostname: the node's name (default: this host's).
            partial: without a usable driver, return what hwloc alone sees
                instead of raising.
            nvml, hwloc: False leaves that source out.
            freeze: False leaves it unfrozen so that you can add to it.

        Raises:
            NoDeviceError: no driver library, no device, or
                CUDA_VISIBLE_DEVICES hides them all ("libcuda.so.1 not
                found: ...").
            DriverError: the driver failed (its own error name and text).
            UnsupportedError: a driver older than the probe needs, or a
                library built without the probe.
            The exception carries the report as ``probe_report``.
        """
        fn = lib.require("gs_topo_probe")
        opts = _lib.new_struct(_lib.ProbeOptionsC, "gs_probe_options_init")
        opts.flags = ((_PROBE_PARTIAL if check_bool(partial, "partial")
                       else 0) |
                      (0 if check_bool(nvml, "nvml") else _PROBE_NO_NVML) |
                      (0 if check_bool(hwloc, "hwloc") else _PROBE_NO_HWLOC) |
                      (0 if check_bool(freeze, "freeze") else _PROBE_NOFREEZE))
        keep = []  # the encoded strings live until the call returns

        def path(value, what):
            if value is None:
                return None
            data = os.fsencode(value)
            if b"\0" in data:
                raise InvalidArgument(f"{what} contains a NUL character")
            keep.append(data)
            return data

        opts.cuda_library = path(cuda_library, "cuda_library")
        opts.nvml_library = path(nvml_library, "nvml_library")
        opts.hwloc_xml = path(hwloc_xml, "hwloc_xml")
        opts.hostname = encode(hostname, "hostname")
        warnings: List[str] = []

        def warn(_user, message):
            try:
                warnings.append(decode(message) or "")
            except Exception:  # never raise into C
                pass

        cb = _lib.WARNING_FN(warn)
        opts.warn = cb
        report = _lib.ReportP()
        opts.report = ctypes.pointer(report)
        try:
            try:
                topo = cls._run_loader(fn, (byref(opts),), warnings)
            finally:
                got = _read_report(report, warnings)
                if report:
                    lib.gs_probe_report_destroy(report)
        except Error as e:
            e.probe_report = got  # type: ignore[attr-defined]
            raise
        topo.probe_report = got
        return topo

    @classmethod
    def template(cls, name: str, hostname: Optional[str] = None) -> "Topology":
        """A built-in template: a one-node topology for a node template
        (its node named ``hostname``, default the template's name) or the
        whole cluster for a cluster template. Never reads a file."""
        for i in range(lib.gs_template_count()):
            if decode(lib.gs_template_name(i)) != name:
                continue
            if lib.gs_template_is_cluster(i) == 1:
                text = lib.gs_template_json(i)
                return cls.from_text(text, format="json",
                                     name=f"template:{name}")
            topo = cls()
            try:
                topo.add_node(hostname or name, template=name)
                topo.freeze()
            except BaseException:
                topo.close()
                raise
            return topo
        raise _no_template(name)

    # ---- pickling -----------------------------------------------------

    def __reduce__(self):
        return (Topology.from_json, (self.to_json(),))

    # ---- building -----------------------------------------------------

    def freeze(self) -> "Topology":
        """Validate the description and make the topology immutable
        (queries need it). Returns self.

        Raises InconsistentError naming the node, GPU or switch at fault,
        FrozenError when already frozen."""
        with self._use() as p:
            lib.gs_topo_freeze(p)
        return self

    @property
    def frozen(self) -> bool:
        """Whether freeze() was called (or the loader froze it)."""
        with self._use() as p:
            return lib.gs_topo_is_frozen(p) == 1

    def add_node(self, hostname: str, template: Optional[str] = None) -> int:
        """Add a node; with ``template``, its hardware is that built-in node
        template's. Returns the node's index."""
        name = encode(hostname, "hostname", allow_none=False)
        idx = c_uint32(0)
        with self._use() as p:
            if template is None:
                lib.gs_topo_add_node(p, name, byref(idx))
            else:
                lib.gs_topo_add_template_node(
                    p, encode(template, "template", allow_none=False), name,
                    byref(idx))
        return idx.value

    def add_numa(self, node: int, cpus: Union[str, Iterable[int]] = "",
                 memory: Union[int, str] = 0,
                 os_id: Optional[int] = None) -> int:
        """Add a NUMA domain to a node: its CPUs (a cpulist ``"0-11,24-35"``
        or CPU numbers), memory (bytes or ``"512GiB"``) and the id the
        operating system gives it (default: its index; see
        set_numa_os_id()). Returns its index on the node."""
        node = check_int(node, "node", 0, _lib.UINT32_MAX - 1)
        if not isinstance(cpus, (str, bytes)):
            from .objects import format_cpulist
            cpus = format_cpulist(cpus)
        mem = parse_size(memory, "memory")
        if os_id is not None:
            os_id = check_int(os_id, "os_id", 0, _lib.NUMA_OS_ID_MAX)
            set_os_id = lib.require("gs_topo_set_numa_os_id")
        idx = c_uint32(0)
        with self._use() as p:
            lib.gs_topo_add_numa(p, node, encode(cpus, "cpus"), mem,
                                 byref(idx))
            if os_id is not None:
                set_os_id(p, node, idx.value, os_id)
        return idx.value

    def set_numa_os_id(self, node: int, numa: int, os_id: int) -> None:
        """Give NUMA domain ``numa`` (its index on ``node``) the id the
        operating system uses for it (``numactl``, cgroups' cpuset.mems,
        the NUMA Affinity column of ``nvidia-smi topo -m``), 0 to
        1048575; ids must be unique on a node. UnsupportedError with a
        library that does not know OS ids."""
        fn = lib.require("gs_topo_set_numa_os_id")
        n = check_int(node, "node", 0, _lib.UINT32_MAX - 1)
        d = check_int(numa, "numa", 0, _lib.UINT32_MAX - 1)
        o = check_int(os_id, "os_id", 0, _lib.NUMA_OS_ID_MAX)
        with self._use() as p:
            fn(p, n, d, o)

    def add_gpu(self, node: int, *, model: Optional[str] = None,
                uuid: Optional[str] = None, pci_bus_id: Optional[str] = None,
                memory: Union[int, str] = 0,
                cc: Union[str, Tuple[int, int], None] = None,
                sm_count: int = 0, numa: Optional[int] = None,
                fabric: Optional[int] = None,
                fabric_links: int = 0) -> int:
        """Add a GPU to a node (it gets the next index there). Attributes:
        model, uuid, pci_bus_id, memory (bytes or "80GiB"), cc ("9.0" or
        (9, 0)), sm_count, numa (domain index on the node), fabric and
        fabric_links (its NVSwitch fabric and links into it; giving
        fabric_links alone means fabric 0). Returns its index on the node."""
        node = check_int(node, "node", 0, _lib.UINT32_MAX - 1)
        info = _lib.new_struct(_lib.GpuInfoC, "gs_gpu_info_init")
        info.model = encode(model, "model")
        info.uuid = encode(uuid, "uuid")
        info.pci_bus_id = encode(pci_bus_id, "pci_bus_id")
        info.memory_bytes = parse_size(memory, "memory")
        info.cc_major, info.cc_minor = parse_cc(cc)
        info.sm_count = check_int(sm_count, "sm_count", 0, _lib.UINT32_MAX)
        info.numa = (NONE if numa is None
                     else check_int(numa, "numa", 0, _lib.UINT32_MAX - 1))
        links = check_int(fabric_links, "fabric_links", 0, _lib.UINT32_MAX)
        if fabric is None:
            info.fabric = 0 if links else NONE
        else:
            info.fabric = check_int(fabric, "fabric", 0, _lib.UINT32_MAX - 1)
        info.fabric_links = links
        idx = c_uint32(0)
        with self._use() as p:
            lib.gs_topo_add_gpu(p, node, byref(info), byref(idx))
        return idx.value

    def set_link(self, node: int, gpu_a: int, gpu_b: int, *,
                 nvlinks: int = 0, pcie: Union[str, PcieLevel, None] = None,
                 bandwidth: float = 0.0,
                 source: Union[str, Source] = "file") -> None:
        """Describe the link between GPUs ``gpu_a`` and ``gpu_b`` (indices
        on ``node``): direct NVLink wires, PCIe level ("PIX"..."SYS", None to
        infer it), an explicit bandwidth in GB/s (0 derives it), and where
        the facts came from."""
        node = check_int(node, "node", 0, _lib.UINT32_MAX - 1)
        a = check_int(gpu_a, "gpu_a", 0, _lib.UINT32_MAX - 1)
        b = check_int(gpu_b, "gpu_b", 0, _lib.UINT32_MAX - 1)
        link = _lib.new_struct(_lib.LinkInfoC, "gs_link_info_init")
        link.nvlinks = check_int(nvlinks, "nvlinks", 0, _lib.UINT32_MAX)
        link.pcie = _pcie_code(pcie)
        link.bandwidth = check_number(bandwidth, "bandwidth")
        link.source = _source_code(source)
        with self._use() as p:
            lib.gs_topo_set_link(p, node, a, b, byref(link))

    def set_bandwidths(self, node: Optional[int] = None, *,
                       nvlink_per_link: float = 0, pix: float = 0,
                       pxb: float = 0, phb: float = 0, node_level: float = 0,
                       sys: float = 0) -> None:
        """Override link bandwidths (GB/s) for one node, or the topology's
        defaults with ``node=None``. Values left at 0 keep what is in
        force. ``node_level`` is the PCIe level NODE."""
        n = NONE if node is None else check_int(node, "node", 0,
                                                 _lib.UINT32_MAX - 1)
        bw = _lib.new_struct(_lib.BandwidthsC, "gs_bandwidths_init")
        bw.nvlink_per_link = check_number(nvlink_per_link, "nvlink_per_link")
        bw.pix = check_number(pix, "pix")
        bw.pxb = check_number(pxb, "pxb")
        bw.phb = check_number(phb, "phb")
        bw.node = check_number(node_level, "node_level")
        bw.sys = check_number(sys, "sys")
        with self._use() as p:
            lib.gs_topo_set_bandwidths(p, n, byref(bw))

    def add_switch(self, name: str, link_speed: int = 0) -> int:
        """Add a network switch; returns its index."""
        idx = c_uint32(0)
        speed = check_int(link_speed, "link_speed", 0, _lib.UINT64_MAX)
        with self._use() as p:
            lib.gs_topo_add_switch(p, encode(name, "name", allow_none=False),
                                   speed, byref(idx))
        return idx.value

    def set_switch_parent(self, child: int, parent: int) -> None:
        """Put switch ``child`` under switch ``parent`` (indices)."""
        c = check_int(child, "child", 0, _lib.UINT32_MAX - 1)
        par = check_int(parent, "parent", 0, _lib.UINT32_MAX - 1)
        with self._use() as p:
            lib.gs_topo_set_switch_parent(p, c, par)

    def attach_node(self, node: int, switch: int) -> None:
        """Connect a node to a (leaf) switch (indices)."""
        n = check_int(node, "node", 0, _lib.UINT32_MAX - 1)
        s = check_int(switch, "switch", 0, _lib.UINT32_MAX - 1)
        with self._use() as p:
            lib.gs_topo_attach_node(p, n, s)

    def add_nvlink_domain(self, name: str) -> int:
        """Add a multi-node NVLink domain; returns its index."""
        idx = c_uint32(0)
        with self._use() as p:
            lib.gs_topo_add_nvlink_domain(
                p, encode(name, "name", allow_none=False), byref(idx))
        return idx.value

    def set_node_domain(self, domain: int, node: int) -> None:
        """Put every GPU of ``node`` into NVLink domain ``domain``."""
        d = check_int(domain, "domain", 0, _lib.UINT32_MAX - 1)
        n = check_int(node, "node", 0, _lib.UINT32_MAX - 1)
        with self._use() as p:
            lib.gs_topo_set_node_domain(p, d, n)

    def set_node_features(self, node: int,
                          features: Union[str, Iterable[str], None]) -> None:
        """Set the features of node ``node`` (its index, as add_node()
        returned it): free tags such as "h100", "ib", "rack3", like
        Slurm's ``Feature=``, replacing those it had; a list of names or
        one string of names separated by commas (None or an empty list
        clears them). Names are 1 to 64 characters of letters, digits
        and ``_.:+-``, case-sensitive; a topology has at most 64 distinct
        ones. Jobs ask for them with ``submit(..., constraint=)``. While
        building (FrozenError after freeze()); a refused call changes
        nothing.

        Raises:
            InvalidArgument: no such node, a bad or empty name (the message
                names it and the node).
            RangeError: the topology's 65th distinct name.
            FrozenError: the topology is frozen.
        """
        fn = lib.require("gs_topo_set_node_features")
        n = check_int(node, "node", 0, _lib.UINT32_MAX - 1)
        text = name_list(features, "features")
        with self._use() as p:
            fn(p, n, text)

    def set_node_weight(self, node: int, weight: int) -> None:
        """Set the weight of node ``node`` (its index), 0 to 4294967294
        (1 unless set; like Slurm's ``Weight=``): among nodes of equal
        fit, every placement policy takes the lowest weight first. While
        building (FrozenError after freeze()).

        Raises:
            InvalidArgument: no such node.
            RangeError: a weight outside 0..4294967294 (TypeError: not an
                integer).
            FrozenError: the topology is frozen.
        """
        fn = lib.require("gs_topo_set_node_weight")
        n = check_int(node, "node", 0, _lib.UINT32_MAX - 1)
        w = check_int(weight, "weight", 0, _lib.NODE_WEIGHT_MAX)
        with self._use() as p:
            fn(p, n, w)

    def set_gpu_mig(self, node: int, gpu: int, mode: Optional[str]) -> None:
        """Put GPU ``gpu`` (its index on node ``node``) in MIG mode: None,
        "" or "off" (not in MIG mode), "dynamic" (the scheduler makes an
        instance per job), or a fixed layout the admin made, like
        "3g.40gb@0,2g.20gb@4,1g.10gb@6" (starts optional). The GPU's
        model and memory must be an A100, H100 or H200 of the MIG tables
        (docs/sharing.md). While building (FrozenError after freeze()).

        Raises:
            InvalidArgument: no such node or GPU, a GPU without MIG, an
                illegal layout (the message says why, with the column).
            ParseError: a malformed layout.
            FrozenError: the topology is frozen.
        """
        fn = lib.require("gs_topo_set_gpu_mig")
        n = check_int(node, "node", 0, _lib.UINT32_MAX - 1)
        g = check_int(gpu, "gpu", 0, _lib.UINT32_MAX - 1)
        raw = encode(mode, "mode")
        with self._use() as p:
            fn(p, n, g, raw)

    def set_mig_uuids(self, node: int, gpu: int,
                      uuids: Sequence[Optional[str]]) -> None:
        """Give the UUIDs ("MIG-...", None for one unknown) of the
        instances of GPU ``gpu``'s (index on node ``node``) fixed layout,
        in the layout's order, for CUDA_VISIBLE_DEVICES. While building.

        Raises:
            InvalidArgument: no such node or GPU, a GPU not in a fixed
                layout, not one UUID per instance, a malformed UUID or one
                given twice.
            FrozenError: the topology is frozen.
        """
        fn = lib.require("gs_topo_set_mig_uuids")
        n = check_int(node, "node", 0, _lib.UINT32_MAX - 1)
        g = check_int(gpu, "gpu", 0, _lib.UINT32_MAX - 1)
        if isinstance(uuids, (str, bytes)):
            raise TypeError("uuids must be a sequence of strings")
        raw = [encode(u, "uuids[]") for u in uuids]
        arr = (ctypes.c_char_p * max(len(raw), 1))(*raw)
        with self._use() as p:
            fn(p, n, g, arr, len(raw))

    def gpu_mig(self, gpu: int) -> Tuple[str, Optional[str],
                                         Tuple[Tuple[str, int], ...]]:
        """A GPU's (cluster-wide id) MIG mode: ``(mode, table,
        instances)`` with mode "off", "fixed" or "dynamic", the MIG table
        ("A100-80GB"...; None when off) and a fixed layout's instances as
        ``(profile name, start)`` pairs in the layout's order (() for the
        other modes)."""
        fn = lib.require("gs_topo_gpu_mig")
        mode, kind = ctypes.c_int(0), ctypes.c_int(-1)
        inst = (_lib.MigInstanceC * 7)()
        n = c_size_t(0)
        with self._use() as p:
            self._frozen(p)
            g = self._gpu(p, gpu)
            fn(p, g, byref(mode), byref(kind), inst, 7, byref(n))
        name = decode(lib.gs_mig_mode_name(mode.value)) or "?"
        if mode.value == 0:
            return (name, None, ())
        table = decode(lib.require("gs_mig_gpu_name")(kind.value))
        items = tuple((_mig_profile_name(kind.value, inst[i].profile),
                       inst[i].start) for i in range(n.value))
        return (name, table, items)

    def mig_uuid(self, gpu: int, instance: int) -> Optional[str]:
        """The UUID ("MIG-...") of instance ``instance`` of a GPU's fixed
        layout, or None when it is not known or there is no such
        instance."""
        fn = lib.require("gs_topo_mig_uuid")
        i = check_int(instance, "instance", 0, _lib.UINT32_MAX)
        with self._use() as p:
            self._frozen(p)
            return decode(fn(p, self._gpu(p, gpu), i))

    # ---- queries ------------------------------------------------------

    def _frozen(self, p) -> None:
        if lib.gs_topo_is_frozen(p) != 1:
            raise NotFrozenError("the topology must be frozen first "
                                 "(call freeze())")

    def _node(self, p, node: Union[int, str]) -> int:
        """A node index from an index or a hostname (checked)."""
        count = lib.gs_topo_node_count(p)
        if isinstance(node, str):
            idx = lib.gs_topo_find_node(p, encode(node, "node"))
            if idx == NONE:
                raise NotFoundError(f"no node named {node!r}")
            return idx
        return check_index(node, "node", count, "nodes")

    def _gpu(self, p, gpu: int, what: str = "gpu") -> int:
        return check_index(gpu, what, lib.gs_topo_gpu_count(p), "GPUs")

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        with self._use() as p:
            self._frozen(p)
            return lib.gs_topo_node_count(p)

    @property
    def gpu_count(self) -> int:
        """Number of GPUs in the whole cluster."""
        with self._use() as p:
            self._frozen(p)
            return lib.gs_topo_gpu_count(p)

    def __len__(self) -> int:
        """Number of nodes."""
        return self.node_count

    def __getitem__(self, key: Union[int, slice]):
        """A node by position (negative counts from the end), or a list of
        nodes for a slice: ``topo[0]``, ``topo[-1]``, ``topo[2:4]``.
        IndexError out of range; TypeError for other keys (a hostname:
        use ``node(name)``)."""
        return self.nodes[key]

    def __iter__(self) -> Iterator[Node]:
        """The nodes, in order."""
        return iter(self.nodes)

    def __bool__(self) -> bool:
        # an object, not a container that may be empty: `if topo:` must
        # neither be false for a topology without nodes nor raise for one
        # that is not frozen yet
        return True

    @property
    def node_names(self) -> List[str]:
        """Hostnames, in node order."""
        with self._use() as p:
            self._frozen(p)
            return [decode(lib.gs_topo_node_name(p, i)) or ""
                    for i in range(lib.gs_topo_node_count(p))]

    def find_node(self, hostname: str) -> int:
        """The index of the node named ``hostname`` (NotFoundError)."""
        with self._use() as p:
            self._frozen(p)
            return self._node(p, str(hostname))

    def node(self, node: Union[int, str]) -> Node:
        """A node by index or hostname."""
        with self._use() as p:
            self._frozen(p)
            return self._node_obj(p, self._node(p, node))

    def _node_obj(self, p, n: int) -> Node:
        numa = []
        has_os_id = lib.has("gs_topo_numa_os_id")
        for d in range(lib.gs_topo_node_numa_count(p, n)):
            cpus = sized_text(lib.gs_topo_numa_cpus, p, n, d)
            os_id = lib.gs_topo_numa_os_id(p, n, d) if has_os_id else NONE
            numa.append(NumaDomain(d, cpus, lib.gs_topo_numa_memory(p, n, d),
                                   None if os_id == NONE else os_id))
        sw = lib.gs_topo_node_switch(p, n)
        dom = lib.gs_topo_node_domain(p, n)
        features: Tuple[str, ...] = ()
        weight = 1
        if lib.has("gs_topo_node_features"):
            features = tuple(_split_names(
                sized_text(lib.gs_topo_node_features, p, n)))
            weight = lib.gs_topo_node_weight(p, n)
        return Node(
            _topology=self,
            index=n, name=decode(lib.gs_topo_node_name(p, n)) or "",
            first_gpu=lib.gs_topo_node_first_gpu(p, n),
            gpu_count=lib.gs_topo_node_gpu_count(p, n),
            cpu_count=lib.gs_topo_node_cpu_count(p, n),
            numa=tuple(numa),
            switch=None if sw == NONE else decode(lib.gs_topo_switch_name(p, sw)),
            nvlink_domain=(None if dom == NONE else
                           decode(lib.gs_topo_nvlink_domain_name(p, dom))),
            features=features, weight=weight)

    @property
    def nodes(self) -> "NodeList":
        """Every node: a sequence (``len``, ``[i]``, ``[-1]``, slices,
        iteration) that reads the topology when indexed and keeps it
        alive."""
        with self._use() as p:
            self._frozen(p)
        return NodeList(self)

    def gpu_id(self, node: Union[int, str], index: int) -> int:
        """Cluster-wide id of GPU ``index`` of ``node``."""
        with self._use() as p:
            self._frozen(p)
            n = self._node(p, node)
            count = lib.gs_topo_node_gpu_count(p, n)
            try:
                i = check_index(index, "index", count, "GPUs")
            except InvalidArgument:
                raise InvalidArgument(f"node {n} has {count} GPUs; no GPU "
                                      f"{index}") from None
            return lib.gs_topo_node_first_gpu(p, n) + i

    def gpu_node(self, gpu: int) -> int:
        """The node index of a GPU (cluster-wide id)."""
        with self._use() as p:
            self._frozen(p)
            return lib.gs_topo_gpu_node(p, self._gpu(p, gpu))

    def find_gpu(self, uuid: str) -> int:
        """The cluster-wide id of the GPU with this UUID (NotFoundError)."""
        with self._use() as p:
            self._frozen(p)
            g = lib.gs_topo_find_gpu_uuid(p, encode(uuid, "uuid",
                                                    allow_none=False))
            if g == NONE:
                raise NotFoundError(f"no GPU has UUID {uuid!r}")
            return g

    def gpu(self, gpu: int) -> GpuInfo:
        """Attributes of a GPU (cluster-wide id)."""
        with self._use() as p:
            self._frozen(p)
            return self._gpu_obj(p, self._gpu(p, gpu))

    def _gpu_obj(self, p, g: int) -> GpuInfo:
        info = _lib.out_struct(_lib.GpuInfoC)
        lib.gs_topo_gpu_info(p, g, byref(info))
        n = lib.gs_topo_gpu_node(p, g)
        os_id = None
        if info.numa != NONE and lib.has("gs_topo_numa_os_id"):
            os_id = lib.gs_topo_numa_os_id(p, n, info.numa)
        elif info.numa != NONE:
            os_id = info.numa  # an older library: ids are the indexes
        return GpuInfo(
            id=g, node=n, node_name=decode(lib.gs_topo_node_name(p, n)) or "",
            index=info.index, model=decode(info.model) or None,
            uuid=decode(info.uuid) or None,
            pci_bus_id=decode(info.pci_bus_id) or None,
            memory=info.memory_bytes, cc=(info.cc_major, info.cc_minor),
            sm_count=info.sm_count,
            numa=None if info.numa == NONE else info.numa,
            fabric=None if info.fabric == NONE else info.fabric,
            fabric_links=info.fabric_links, numa_os_id=os_id)

    @property
    def gpus(self) -> "GpuList":
        """Every GPU, by cluster-wide id: a sequence like :attr:`nodes`
        (``topo.gpus[5]`` is ``topo.gpu(5)``)."""
        with self._use() as p:
            self._frozen(p)
        return GpuList(self)

    def link(self, gpu_a: int, gpu_b: int) -> Link:
        """What connects two GPUs (cluster-wide ids) and its bandwidth."""
        with self._use() as p:
            self._frozen(p)
            a, b = self._gpu(p, gpu_a, "gpu_a"), self._gpu(p, gpu_b, "gpu_b")
            info = _lib.out_struct(_lib.LinkInfoC)
            lib.gs_topo_link(p, a, b, byref(info))
            return Link(kind=LinkKind.coerce(info.kind), nvlinks=info.nvlinks,
                        pcie=PcieLevel.coerce(info.pcie),
                        bandwidth=info.bandwidth,
                        source=Source.coerce(info.source),
                        bandwidth_explicit=bool(info.bandwidth_explicit))

    def bandwidth(self, gpu_a: int, gpu_b: int) -> float:
        """Bandwidth between two GPUs in GB/s, one direction (0 for the same
        GPU or unconnected GPUs)."""
        with self._use() as p:
            self._frozen(p)
            a, b = self._gpu(p, gpu_a, "gpu_a"), self._gpu(p, gpu_b, "gpu_b")
            return lib.gs_topo_bandwidth(p, a, b)

    def quality(self, gpus: Iterable[int]) -> float:
        """Q(S): the sum of the bandwidths of every pair of the set, GB/s."""
        ids = list(gpus)
        with self._use() as p:
            self._frozen(p)
            checked = [self._gpu(p, g) for g in ids]
            if len(set(checked)) != len(checked):
                raise InvalidArgument(f"GPU set {ids} repeats a GPU")
            arr = (c_uint32 * max(1, len(checked)))(*checked)
            q = c_double(0.0)
            lib.gs_topo_quality(p, arr, len(checked), byref(q))
            return q.value

    def pattern_bandwidth(self, gpus: Iterable[int],
                          pattern: Union[str, Pattern, int] = "any"
                          ) -> PatternInfo:
        """The bandwidth a set of GPUs (cluster-wide ids) offers a job of a
        communication pattern: every model of the set, GB/s, one direction
        (the models nvlink-pack maximizes; docs/placement.md)::

            info = topo.pattern_bandwidth([0, 1, 2, 4, 5], "ring")
            info.bandwidth == info.ring      # the model of "ring"
            info.q, info.ring_single         # 249.0, 25.0 on a DGX-1V

        ``pattern`` ("any", "ring", "all-to-all", "chain", "none", or
        another name the library takes: "all-reduce", "a2a", "pipeline"...;
        a :class:`Pattern` or its number) only chooses which model goes to
        ``bandwidth`` ("none": 0). Sets of 0 or 1 GPU give 0 everywhere;
        sets over 128 GPUs only Q (the other models 0, ``exact`` False).

        Raises:
            InvalidArgument: a GPU that does not exist, a GPU given twice,
                an unknown pattern (a ValueError naming it).
            TypeError: an id that is not an integer.
            UnsupportedError: a library without communication patterns.
        """
        fn = lib.require("gs_topo_pattern_bandwidth")
        pat = Pattern.parse(pattern, "pattern")
        ids = list(gpus)
        with self._use() as p:
            self._frozen(p)
            checked = [self._gpu(p, g) for g in ids]
            if len(set(checked)) != len(checked):
                raise InvalidArgument(f"GPU set {ids} repeats a GPU")
            arr = (c_uint32 * max(1, len(checked)))(*checked)
            info = _lib.out_struct(_lib.PatternInfoC)
            fn(p, arr, len(checked), int(pat), byref(info))
        return _pattern_info(info, checked, pat)

    def pattern_best(self, node: Union[int, str], k: int,
                     pattern: Union[str, Pattern, int] = "any"
                     ) -> Tuple[List[int], PatternInfo]:
        """The best set of ``k`` GPUs of a node (index or hostname) when all
        of its GPUs are free, by a pattern's model: the set nvlink-pack
        gives a job of that pattern on the empty node (highest model, then
        highest Q, then fewest NUMA domains, then lowest indices; exact).
        Returns the set (cluster-wide ids, increasing) and its models::

            gpus, info = topo.pattern_best(0, 3, "ring")   # [0, 2, 3] ...

        Raises:
            InvalidArgument: no such node (NotFoundError for an unknown
                hostname), an unknown pattern, a node of more than 64
                GPUs.
            RangeError: ``k`` outside 1 to the node's GPU count (TypeError:
                not an integer).
            UnsupportedError: a library without communication patterns.
        """
        fn = lib.require("gs_topo_pattern_best")
        pat = Pattern.parse(pattern, "pattern")
        with self._use() as p:
            self._frozen(p)
            n = self._node(p, node)
            count = lib.gs_topo_node_gpu_count(p, n)
            if count > 64:
                raise InvalidArgument(
                    f"node {n} has {count} GPUs: pattern_best() takes nodes "
                    f"of at most 64")
            if count == 0:
                raise InvalidArgument(f"node {n} has no GPUs")
            kk = check_int(k, "k", 1, count)
            out = (c_uint32 * kk)()
            info = _lib.out_struct(_lib.PatternInfoC)
            fn(p, n, kk, int(pat), out, byref(info))
        ids = list(out)
        return ids, _pattern_info(info, ids, pat)

    def node_type_index(self, node: Union[int, str]) -> int:
        """The index of a node's hardware type: nodes with the same index
        have identical GPUs, links and NUMA domains (handy to cache
        per-node results, e.g. of pattern_best())."""
        fn = lib.require("gs_topo_node_type_index")
        with self._use() as p:
            self._frozen(p)
            n = self._node(p, node)
            idx = fn(p, n)
        if idx == NONE:  # pragma: no cover (a frozen topology's node)
            raise InvalidArgument(f"node {n} has no type")
        return idx

    def matrix(self, node: Union[int, str] = 0, legend: bool = False,
               sources: bool = False) -> str:
        """A node's GPU matrix in the layout of ``nvidia-smi topo -m``
        (tab-separated; with ``legend``, the legend; with ``sources``, each
        cell's source marked: ``*`` inferred, ``d`` driver, ``n`` NVML,
        ``h`` hwloc)."""
        flags = (_MATRIX_LEGEND if check_bool(legend, "legend") else 0) | (
            _MATRIX_SOURCES if check_bool(sources, "sources") else 0)
        with self._use() as p:
            self._frozen(p)
            n = self._node(p, node)
            return sized_text(lib.gs_topo_node_matrix, p, n, flags,
                              start=4096)

    def local_cpulist(self, gpu: int) -> str:
        """The CPUs local to a GPU (its NUMA domain's) as a cpulist; ""
        when its NUMA domain is unknown."""
        with self._use() as p:
            self._frozen(p)
            return sized_text(lib.gs_topo_gpu_local_cpus, p, self._gpu(p, gpu))

    def local_cpus(self, gpu: int) -> List[int]:
        """The CPU numbers local to a GPU, increasing ([] when unknown)."""
        with self._use() as p:
            self._frozen(p)
            return sized_u32(lib.gs_topo_gpu_local_cpu_ids, p,
                             self._gpu(p, gpu), start=256)

    @property
    def switches(self) -> List[Switch]:
        """Every switch, by index."""
        with self._use() as p:
            self._frozen(p)
            out = []
            for s in range(lib.gs_topo_switch_count(p)):
                par = lib.gs_topo_switch_parent(p, s)
                out.append(Switch(
                    index=s, name=decode(lib.gs_topo_switch_name(p, s)) or "",
                    parent=(None if par == NONE else
                            decode(lib.gs_topo_switch_name(p, par))),
                    depth=lib.gs_topo_switch_depth(p, s),
                    link_speed=lib.gs_topo_switch_link_speed(p, s)))
            return out

    def common_switch(self, node_a: Union[int, str],
                      node_b: Union[int, str]) -> Optional[str]:
        """The name of the lowest switch both nodes are below (the leaf of
        a node with itself), or None when they share none."""
        with self._use() as p:
            self._frozen(p)
            a, b = self._node(p, node_a), self._node(p, node_b)
            s = lib.gs_topo_common_switch(p, a, b)
            return None if s == NONE else decode(lib.gs_topo_switch_name(p, s))

    @property
    def nvlink_domains(self) -> List[NvlinkDomain]:
        """Every multi-node NVLink domain."""
        with self._use() as p:
            self._frozen(p)
            return [NvlinkDomain(
                d, decode(lib.gs_topo_nvlink_domain_name(p, d)) or "",
                lib.gs_topo_nvlink_domain_size(p, d))
                for d in range(lib.gs_topo_nvlink_domain_count(p))]

    # ---- features, weights and constraints -----------------------------

    @property
    def features(self) -> List[str]:
        """Every feature name of the topology, in index order (those of
        all nodes, and any a node was given and no longer has)."""
        fn = lib.require("gs_topo_feature_count")
        with self._use() as p:
            self._frozen(p)
            return [decode(lib.gs_topo_feature_name(p, i)) or ""
                    for i in range(fn(p))]

    def find_feature(self, name: str) -> int:
        """A feature's index in :attr:`features` (NotFoundError when no
        node was ever given it; names are case-sensitive)."""
        fn = lib.require("gs_topo_find_feature")
        raw = encode(name, "name", allow_none=False)
        with self._use() as p:
            self._frozen(p)
            i = fn(p, raw)
        if i == NONE:
            raise NotFoundError(f"no feature named {name!r}")
        return i

    def node_features(self, node: Union[int, str]) -> List[str]:
        """A node's features, in index order ([] for none)."""
        fn = lib.require("gs_topo_node_features")
        with self._use() as p:
            self._frozen(p)
            return _split_names(sized_text(fn, p, self._node(p, node)))

    def node_has_feature(self, node: Union[int, str], name: str) -> bool:
        """Whether a node has a feature (False for a name no node has)."""
        fn = lib.require("gs_topo_node_has_feature")
        raw = encode(name, "name", allow_none=False)
        with self._use() as p:
            self._frozen(p)
            return fn(p, self._node(p, node), raw) == 1

    def node_weight(self, node: Union[int, str]) -> int:
        """A node's weight (1 unless set)."""
        fn = lib.require("gs_topo_node_weight")
        with self._use() as p:
            self._frozen(p)
            return fn(p, self._node(p, node))

    def check_constraint(self, constraint: Optional[str]) -> None:
        """Check a constraint (``submit(..., constraint=)``: feature names
        joined by ``&`` or ``,`` for and, ``|`` for or, with parentheses:
        ``"h100&(ib|roce)"``) against the topology's features, e.g. to
        validate what a user typed. None or "" is valid (no constraint).

        Raises:
            InvalidArgument: a syntax error (the message gives its 1-based
                column).
            NotFoundError: a feature no node has (the message lists the
                topology's features).
            RangeError: longer than 4096 bytes, nested deeper than 64
                parentheses, or more than 256 alternatives.
        """
        fn = lib.require("gs_topo_check_constraint")
        raw = encode(constraint, "constraint")
        with self._use() as p:
            self._frozen(p)
            self._constraint_error(fn, p, raw)

    @staticmethod
    def _constraint_error(fn, p, raw: Optional[bytes]) -> None:
        buf = ctypes.create_string_buffer(1024)
        st = fn(p, raw, buf, len(buf))
        if st < 0:
            message = decode(buf.value) or ""
            raise error_from_status(st, message or "constraint: " + (
                decode(lib.gs_strerror(st)) or ""))

    def node_matches(self, node: Union[int, str],
                     constraint: Optional[str]) -> bool:
        """Whether a node's features satisfy a constraint (None or "":
        every node). The expression is compiled at each call: fine for a
        few nodes, not for a loop over a large cluster. Raises as
        check_constraint() for a bad constraint."""
        fn = lib.require("gs_topo_node_matches")
        check = lib.require("gs_topo_check_constraint")
        raw = encode(constraint, "constraint")
        match = c_int(0)
        with self._use() as p:
            self._frozen(p)
            n = self._node(p, node)
            st = fn(p, n, raw, byref(match))
            if st < 0:
                self._constraint_error(check, p, raw)
                raise error_from_status(   # pragma: no cover (agrees)
                    st, "constraint: " + (decode(lib.gs_strerror(st)) or ""))
        return match.value == 1

    # ---- saving -------------------------------------------------------

    def to_json(self) -> str:
        """The topology in the JSON format; loading it gives back an equal
        topology."""
        with self._use() as p:
            self._frozen(p)
            text = ctypes.c_void_p()
            size = c_size_t(0)
            lib.gs_topo_to_json(p, byref(text), byref(size))
            try:
                return ctypes.string_at(text, size.value).decode("utf-8")
            finally:
                lib.gs_free(text)

    def save_json(self, path: PathLike) -> None:
        """Write the topology as JSON to ``path`` (InputOutputError when it
        cannot be written)."""
        target = os.fsencode(path)
        with self._use() as p:
            self._frozen(p)
            try:
                lib.gs_topo_save_json(p, target)
            except Exception as e:
                if getattr(e, "status", None) is not None and e.name == "GS_EIO":
                    err = ctypes.get_errno() or 0
                    raise type(e)(f"cannot write {os.fsdecode(target)}: "
                                  f"{os.strerror(err) if err else 'I/O error'}"
                                  ) from None
                raise

    def __repr__(self) -> str:
        if self.closed:
            return "<gpusched.Topology closed>"
        try:
            with self._use() as p:
                if lib.gs_topo_is_frozen(p) != 1:
                    return "<gpusched.Topology building>"
                n, g = lib.gs_topo_node_count(p), lib.gs_topo_gpu_count(p)
                first = decode(lib.gs_topo_node_name(p, 0)) if n else None
        except Exception:  # pragma: no cover - closed concurrently
            return "<gpusched.Topology>"
        what = f"node {first!r}" if n == 1 else f"{n} nodes"
        return f"<gpusched.Topology {what}, {g} GPU{'s' * (g != 1)}>"


class _View(_SequenceABC):
    """A read-only sequence over part of a frozen topology, read when
    indexed. It holds the Topology object, so a view (and every Node it
    gives, through ``Node.gpus``) keeps its topology alive; after an
    explicit ``close()`` of the topology, using it raises ClosedError."""

    __slots__ = ("_topology",)
    _what = "item"

    def __init__(self, topology: Topology) -> None:
        self._topology = topology

    @property
    def topology(self) -> Topology:
        """The topology this view reads."""
        return self._topology

    def _count(self) -> int:
        raise NotImplementedError

    def _item(self, i: int):
        raise NotImplementedError

    def __len__(self) -> int:
        return self._count()

    def __getitem__(self, key):
        n = self._count()
        if isinstance(key, slice):
            return [self._item(i) for i in range(*key.indices(n))]
        if isinstance(key, bool) or not hasattr(type(key), "__index__"):
            # a name picks a node, never a GPU
            hint = (f" (for a hostname use Topology.node({key!r}))"
                    if isinstance(key, str) and self._what == "node" else "")
            raise TypeError(f"{self._what} indices must be integers or "
                            f"slices, not {type(key).__name__}{hint}")
        i = key.__index__()
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"{self._what} index {key} out of range "
                             f"(there {'is' if n == 1 else 'are'} {n})")
        return self._item(i)

    def __iter__(self):
        for i in range(self._count()):
            yield self._item(i)

    def __eq__(self, other) -> bool:
        if isinstance(other, (str, bytes)) or not isinstance(
                other, _SequenceABC):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def _names(self, items) -> str:
        raise NotImplementedError

    def _where(self) -> str:
        return ""

    def __repr__(self) -> str:
        try:
            n = len(self)
            shown = [self._item(i) for i in range(min(n, 4))]
        except Error as e:
            return f"<{type(self).__name__}: {e.message}>"
        more = ", ..." if n > len(shown) else ""
        what = self._what + ("" if n == 1 else "s")
        return (f"<{type(self).__name__} of {n} {what}{self._where()}"
                f"{': ' if shown else ''}{self._names(shown)}{more}>")


class NodeList(_View):
    """The nodes of a topology (``Topology.nodes``): ``len``, ``[i]``
    (negative from the end), slices (a list), iteration; each item is a
    :class:`Node`."""

    __slots__ = ()
    _what = "node"

    def _count(self) -> int:
        return self._topology.node_count

    def _item(self, i: int) -> Node:
        return self._topology.node(i)

    def _names(self, items) -> str:
        return ", ".join(repr(n.name) for n in items)


class GpuList(_View):
    """GPUs of a topology as a sequence of :class:`GpuInfo`: all of them by
    cluster-wide id (``Topology.gpus``), or one node's by index on the node
    (``Node.gpus``)."""

    __slots__ = ("_first", "_n", "_node")
    _what = "GPU"

    def __init__(self, topology: Topology, first: int = 0,
                 count: Optional[int] = None,
                 node: Optional[str] = None) -> None:
        super().__init__(topology)
        self._first = first
        self._n = count
        self._node = node

    def _count(self) -> int:
        if self._n is None:
            return self._topology.gpu_count
        self._topology._check()
        return self._n

    def _item(self, i: int) -> GpuInfo:
        return self._topology.gpu(self._first + i)

    def _names(self, items) -> str:
        return ", ".join(str(g.id) for g in items)

    def _where(self) -> str:
        return "" if self._node is None else f" on {self._node!r}"
