"""The binding's view of the C ABI against include/gpusched/*.h: struct
layouts (compiled with the C compiler), enum values, constants, and the
prototype table's functions and argument counts."""

import ctypes
import glob
import os
import re
import shutil
import subprocess

import pytest

import gpusched
from gpusched import _lib
from gpusched.objects import (Backfill, Comm, EventKind, FairshareAlgo,
                              JobState, LimitKind, LinkKind, NumaMode,
                              Ordering, Pattern, PcieLevel, PendingReason,
                              PreemptMode, Source, SyncPolicy)


@pytest.fixture(scope="module")
def include_dir(repo_dir_module):
    d = os.path.join(repo_dir_module, "include")
    if not os.path.exists(os.path.join(d, "gpusched", "gpusched.h")):
        pytest.skip("headers not found (not a source tree)")
    return d


@pytest.fixture(scope="module")
def repo_dir_module():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.dirname(os.path.dirname(here))


@pytest.fixture(scope="module")
def headers(include_dir):
    text = ""
    for h in sorted(glob.glob(os.path.join(include_dir, "gpusched", "*.h"))):
        with open(h) as f:
            text += f.read() + "\n"
    # comments out, so that prose does not look like code
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def compile_and_run(tmp_path, include_dir, body):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler")
    src = tmp_path / "abi.c"
    src.write_text("#include <gpusched/gpusched.h>\n#include <stdio.h>\n"
                   "#include <stddef.h>\nint main(void)\n{\n" + body +
                   "    return 0;\n}\n")
    exe = tmp_path / "abi"
    res = subprocess.run([cc, "-std=c11", "-I", include_dir, "-o", str(exe),
                          str(src)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return subprocess.run([str(exe)], capture_output=True, text=True,
                          check=True).stdout


def test_struct_layouts(tmp_path, include_dir):
    body = ""
    for cname, cls in _lib.STRUCTS.items():
        body += (f'    printf("{cname} %zu\\n", sizeof({cname}));\n')
        for fname, _ in cls._fields_:
            body += (f'    printf("{cname}.{fname} %zu\\n", '
                     f'offsetof({cname}, {fname}));\n')
    got = dict(line.rsplit(" ", 1) for line in
               compile_and_run(tmp_path, include_dir, body).splitlines())
    problems = []
    for cname, cls in _lib.STRUCTS.items():
        if int(got[cname]) != ctypes.sizeof(cls):
            problems.append(f"sizeof({cname}) is {got[cname]} in C, "
                            f"{ctypes.sizeof(cls)} in _lib.{cls.__name__} "
                            f"(fields added or changed?)")
        for fname, _ in cls._fields_:
            off = getattr(cls, fname).offset
            if int(got[f"{cname}.{fname}"]) != off:
                problems.append(f"{cname}.{fname}: offset "
                                f"{got[cname + '.' + fname]} in C, {off} here")
    assert not problems, "\n".join(problems)


def test_every_struct_of_the_headers_is_mirrored(headers):
    """Each public struct with a struct_size is in _lib.STRUCTS (so that
    test_struct_layouts checks it), except the placement-policy ABI."""
    found = set(re.findall(r"typedef\s+struct\s+(gs_\w+)\s*\{\s*"
                           r"uint32_t\s+struct_size", headers))
    assert {"gs_priority_weights", "gs_priority_breakdown",
            "gs_share_row", "gs_sched_config", "gs_job_info"} <= found
    missing = found - set(_lib.STRUCTS) - {
        "gs_place_request", "gs_placement_ops", "gs_allocator"}
    assert not missing, f"not mirrored in _lib: {sorted(missing)}"


@pytest.mark.parametrize("cname,init", [
    ("gs_sched_config", "gs_sched_config_init"),
    ("gs_job_spec", "gs_job_spec_init"),
    ("gs_priority_weights", "gs_priority_weights_init"),
])
def test_initializers_report_our_size(cname, init):
    """The library's struct (as its *_init reports it) is the one mirrored
    here: same struct_size."""
    cls = _lib.STRUCTS[cname]
    obj = _lib.new_struct(cls, init)
    assert obj.struct_size == ctypes.sizeof(cls)


def test_initializer_defaults(tmp_path, include_dir):
    """GS_SCHED_CONFIG_INIT (the header's macro) and gs_sched_config_init
    (the library) agree, and gs_priority_weights_init gives the defaults
    the binding's docstrings promise."""
    body = ("    gs_sched_config c = GS_SCHED_CONFIG_INIT;\n"
            "    printf(\"%d %d %d %u %lld %d\\n\", (int)c.ordering,"
            " (int)c.fairshare, (int)c.backfill, c.backfill_depth,"
            " (long long)c.backfill_horizon, (int)c.preempt);\n")
    out = compile_and_run(tmp_path, include_dir, body).split()
    cfg = _lib.new_struct(_lib.SchedConfigC, "gs_sched_config_init")
    assert [int(x) for x in out] == [
        cfg.ordering, cfg.fairshare, cfg.backfill, cfg.backfill_depth,
        cfg.backfill_horizon, cfg.preempt]
    assert (cfg.ordering, cfg.fairshare, cfg.backfill, cfg.preempt) == (
        Ordering.MULTIFACTOR, FairshareAlgo.FAIR_TREE, Backfill.NONE,
        PreemptMode.OFF)
    assert not cfg.share
    assert not (cfg.ordering_name or cfg.ordering_options or
                cfg.fairshare_name)
    w = _lib.new_struct(_lib.PriorityWeightsC, "gs_priority_weights_init")
    assert (w.age, w.fairshare, w.job_size, w.priority, w.max_age,
            w.calc_period) == (1000, 10000, 0, 1000, 604800, 300)


def test_constants(tmp_path, include_dir):
    body = "".join(f'    printf("%llu\\n", (unsigned long long)({c}));\n'
                   for c in ("GS_VERSION_MAJOR", "GS_VERSION_MINOR", "GS_NONE",
                             "GS_MATRIX_LEGEND", "GS_MATRIX_SOURCES",
                             "GS_CVD_UUIDS", "GS_LOAD_NOFREEZE",
                             "GS_ENOSPC + 0x100", "GS_ORDERING_ABI_VERSION",
                             "GS_FAIRSHARE_ABI_VERSION",
                             "GS_ORDERING_USES_FACTORS",
                             "GS_ORDERING_TIES_BY_PRIORITY"))
    vals = [int(x) for x in
            compile_and_run(tmp_path, include_dir, body).split()]
    from gpusched import scheduler, topology
    assert tuple(vals[:2]) == _lib.EXPECTED_VERSION
    assert vals[2] == _lib.NONE
    assert vals[3:5] == [topology._MATRIX_LEGEND, topology._MATRIX_SOURCES]
    assert vals[5] == scheduler._CVD_UUIDS
    assert vals[6] == topology._LOAD_NOFREEZE
    assert vals[7] - 0x100 == _lib._ENOSPC
    assert vals[8:] == [_lib.ORDERING_ABI_VERSION, _lib.FAIRSHARE_ABI_VERSION,
                        _lib.ORDERING_USES_FACTORS,
                        _lib.ORDERING_TIES_BY_PRIORITY]
    assert _lib.lib.gs_ordering_abi_version() == _lib.ORDERING_ABI_VERSION
    from gpusched import scheduler as sched_mod
    out = compile_and_run(tmp_path, include_dir,
                          '    printf("%.17g\\n", GS_SITE_FACTOR_MAX);\n')
    assert float(out) == sched_mod._SITE_FACTOR_MAX
    body = "".join(f'    printf("%lld\\n", (long long)({c}));\n'
                   for c in ("GS_KEEP_FOREVER", "GS_STATE_FORMAT"))
    out = compile_and_run(tmp_path, include_dir, body).split()
    assert [int(x) for x in out] == [_lib.KEEP_FOREVER, _lib.STATE_FORMAT]
    body = "".join(f'    printf("%lld\\n", (long long)({c}));\n'
                   for c in ("GS_PATTERN_COUNT", "GS_MAX_DEMAND"))
    out = compile_and_run(tmp_path, include_dir, body).split()
    assert [int(x) for x in out] == [_lib.PATTERN_COUNT, _lib.MAX_DEMAND]
    assert len(Pattern) == _lib.PATTERN_COUNT


@pytest.mark.parametrize("enum_cls,prefix,skip", [
    (LinkKind, "GS_LINK_", ()),
    (PcieLevel, "GS_PCIE_", ()),
    (Source, "GS_SOURCE_", ()),
    (JobState, "GS_JOB_", ("SPEC_INIT",)),
    (PendingReason, "GS_REASON_", ()),
    (EventKind, "GS_EVENT_", ()),
    (Comm, "GS_COMM_", ()),
    (Ordering, "GS_ORDER_", ()),
    (FairshareAlgo, "GS_FAIRSHARE_", ()),
    (Backfill, "GS_BACKFILL_", ()),
    (PreemptMode, "GS_PREEMPT_", ()),
    (LimitKind, "GS_LIMIT_", ()),
    (SyncPolicy, "GS_SYNC_", ()),
    (Pattern, "GS_PATTERN_", ()),
    (NumaMode, "GS_NUMA_", ()),
])
def test_enums_match_the_headers(headers, enum_cls, prefix, skip):
    found = {m.group(1): int(m.group(2)) for m in re.finditer(
        re.escape(prefix) + r"([A-Z_0-9]+)\s*=\s*(-?\d+)", headers)}
    for name in skip:
        found.pop(name, None)
    assert found, f"no {prefix}* enumerators in the headers"
    ours = {m.name: int(m) for m in enum_cls}
    assert ours == found


def test_orderings_match_the_header(headers):
    from gpusched.scheduler import _ORDERINGS
    found = {m.group(1).lower(): int(m.group(2)) for m in re.finditer(
        r"GS_ORDER_([A-Z_]+)\s*=\s*(\d+)", headers)}
    if not found:
        pytest.skip("this library has no orderings")
    assert found == {name: i for i, name in enumerate(_ORDERINGS)}


def _prototypes(headers):
    out = {}
    for m in re.finditer(r"GS_API\s+([^;{]*?)\b(gs_\w+)\s*\(([^;]*?)\)\s*;",
                         headers, flags=re.S):
        params = m.group(3).strip()
        depth, n = 0, 1
        if params in ("void", ""):
            n = 0
        else:
            for ch in params:
                depth += ch == "("
                depth -= ch == ")"
                n += ch == "," and depth == 0
        out[m.group(2)] = n
    return out


def test_prototype_table_matches_the_headers(headers):
    declared = _prototypes(headers)
    assert "gs_topo_create" in declared and "gs_sched_submit" in declared
    problems = []
    for entry in _lib.PROTOTYPES:
        name, _, argtypes = entry[:3]
        if name not in declared:
            problems.append(f"{name} is not declared in the headers")
        elif declared[name] != len(argtypes):
            problems.append(f"{name}: {declared[name]} parameters in C, "
                            f"{len(argtypes)} in the table")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("header", ["core.h", "job.h", "sched.h",
                                    "fairshare.h", "topo.h", "ordering.h",
                                    "state.h"])
def test_every_function_is_declared(include_dir, header):
    """Every function these headers export is in the prototype table (the
    placement-policy ABI of policy.h is for C policies, not bindings;
    ordering and fair-share plugins are registered from Python)."""
    with open(os.path.join(include_dir, "gpusched", header)) as f:
        text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)
    names = re.findall(r"GS_API[^;(]*?\b(gs_\w+)\s*\(", text)
    assert names
    declared = {entry[0] for entry in _lib.PROTOTYPES}
    missing = [n for n in names if n not in declared]
    assert not missing, f"{header}: not in _lib.PROTOTYPES: {missing}"


def test_status_table_matches_the_header(headers):
    found = {int(v): n for n, v in re.findall(
        r"X\((\w+),\s*(-?\d+),", headers)}
    assert found[0] == "OK"
    classes = gpusched.status_classes()
    for code, name in found.items():
        if code:
            assert classes[code].status_name == "GS_" + name
