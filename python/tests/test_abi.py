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
from gpusched.objects import (Comm, EventKind, JobState, LinkKind, PcieLevel,
                              PendingReason, Source)


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


def test_constants(tmp_path, include_dir):
    body = "".join(f'    printf("%llu\\n", (unsigned long long)({c}));\n'
                   for c in ("GS_VERSION_MAJOR", "GS_VERSION_MINOR", "GS_NONE",
                             "GS_MATRIX_LEGEND", "GS_MATRIX_SOURCES",
                             "GS_CVD_UUIDS", "GS_LOAD_NOFREEZE",
                             "GS_ENOSPC + 0x100"))
    vals = [int(x) for x in
            compile_and_run(tmp_path, include_dir, body).split()]
    from gpusched import scheduler, topology
    assert tuple(vals[:2]) == _lib.EXPECTED_VERSION
    assert vals[2] == _lib.NONE
    assert vals[3:5] == [topology._MATRIX_LEGEND, topology._MATRIX_SOURCES]
    assert vals[5] == scheduler._CVD_UUIDS
    assert vals[6] == topology._LOAD_NOFREEZE
    assert vals[7] - 0x100 == _lib._ENOSPC


@pytest.mark.parametrize("enum_cls,prefix,skip", [
    (LinkKind, "GS_LINK_", ()),
    (PcieLevel, "GS_PCIE_", ()),
    (Source, "GS_SOURCE_", ()),
    (JobState, "GS_JOB_", ("SPEC_INIT",)),
    (PendingReason, "GS_REASON_", ()),
    (EventKind, "GS_EVENT_", ()),
    (Comm, "GS_COMM_", ()),
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


def test_status_table_matches_the_header(headers):
    found = {int(v): n for n, v in re.findall(
        r"X\((\w+),\s*(-?\d+),", headers)}
    assert found[0] == "OK"
    classes = gpusched.status_classes()
    for code, name in found.items():
        if code:
            assert classes[code].status_name == "GS_" + name
