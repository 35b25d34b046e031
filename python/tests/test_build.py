"""The in-tree build backend (python/_build/gpusched_build.py): wheels,
sdists and editable wheels made with the standard library alone, checked
against the wheel format (PEP 427: RECORD lists every file with its
SHA-256 and size) and the metadata of pyproject.toml. Installing them with
pip in virtual environments is python/test_install.sh."""

import base64
import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

import gpusched

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
BACKEND_DIR = os.path.join(PYTHON_DIR, "_build")
sys.path.insert(0, BACKEND_DIR)
import gpusched_build as backend  # noqa: E402

sys.path.remove(BACKEND_DIR)


def read_wheel(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: (z.read(i), i) for i in z.infolist()}


def check_record(files, dist_info):
    """RECORD names every file once, with the right digest and size."""
    record = files[f"{dist_info}/RECORD"][0].decode()
    rows = list(csv.reader(io.StringIO(record)))
    listed = {r[0]: r for r in rows}
    assert len(listed) == len(rows)
    assert set(listed) == set(files)
    for name, (data, _) in files.items():
        path, digest, size = listed[name]
        if name.endswith("/RECORD"):
            assert digest == "" and size == ""
            continue
        raw = hashlib.sha256(data).digest()
        assert digest == "sha256=" + base64.urlsafe_b64encode(raw).rstrip(
            b"=").decode()
        assert int(size) == len(data)


def metadata_fields(text):
    head, _, body = text.partition("\n\n")
    fields = {}
    for line in head.splitlines():
        k, _, v = line.partition(": ")
        fields.setdefault(k, []).append(v)
    return fields, body


def test_hooks_need_nothing():
    assert backend.get_requires_for_build_wheel() == []
    assert backend.get_requires_for_build_sdist() == []
    assert backend.get_requires_for_build_editable() == []


def test_pyproject_reader_agrees_with_tomllib():
    tomllib = pytest.importorskip("tomllib")
    with open(os.path.join(PYTHON_DIR, "pyproject.toml")) as f:
        text = f.read()
    assert backend._Reader(text, "pyproject.toml").document() == \
        tomllib.loads(text)
    more = ('a = "x\\"y\\u00e9"\nb = \'lit\\eral\'\n[t.u]\nc = [1, 2,\n# c\n'
            ' true, false,]\nd = {e = "f", g = [] }\n"q k".z = -3\n')
    assert backend._Reader(more, "x").document() == tomllib.loads(more)


@pytest.mark.parametrize("text, what", [
    ('a = """x"""\n', "multi-line strings"),
    ("[[a]]\n", "arrays of tables"),
    ("a = 1\na = 2\n", "defined twice"),
    ("a = 1.5\n", "unsupported value"),
    ('a = "x" b\n', "end of the line"),
    ('a = "x\n', "unterminated"),
    ("a = [1 2]\n", "expected , or ]"),
])
def test_pyproject_reader_refuses_what_it_does_not_know(text, what):
    with pytest.raises(backend.BuildError, match=what) as e:
        backend._Reader(text, "p.toml").document()
    assert str(e.value).startswith("p.toml:")


def test_wheel(tmp_path, monkeypatch):
    monkeypatch.delenv("GPUSCHED_BUNDLE_LIBRARY", raising=False)
    name = backend.build_wheel(str(tmp_path))
    assert name == f"gpusched-{gpusched.__version__}-py3-none-any.whl"
    files = read_wheel(tmp_path / name)
    dist_info = f"gpusched-{gpusched.__version__}.dist-info"
    check_record(files, dist_info)
    sources = sorted(f"gpusched/{f}" for f in os.listdir(
        os.path.join(PYTHON_DIR, "gpusched")) if f.endswith((".py", ".typed")))
    assert sorted(n for n in files if n.startswith("gpusched/")) == sources
    for n in sources:
        with open(os.path.join(PYTHON_DIR, n), "rb") as f:
            assert files[n][0] == f.read()
        assert files[n][1].external_attr >> 16 == 0o100644
    wheel = files[f"{dist_info}/WHEEL"][0].decode()
    assert "Root-Is-Purelib: true" in wheel and "Tag: py3-none-any" in wheel
    fields, body = metadata_fields(files[f"{dist_info}/METADATA"][0].decode())
    assert fields["Name"] == ["gpusched"]
    assert fields["Version"] == [gpusched.__version__]   # one version
    assert fields["Requires-Python"] == [">=3.9"]
    assert fields["License"] == ["Apache-2.0"]
    assert fields["Description-Content-Type"] == ["text/markdown"]
    assert "Operating System :: POSIX :: Linux" in fields["Classifier"]
    with open(os.path.join(PYTHON_DIR, "README.md")) as f:
        assert body == f.read()
    assert f"{dist_info}/LICENSE" in files
    # the same sources give the same bytes
    again = tmp_path / "again"
    backend.build_wheel(str(again))
    assert (again / name).read_bytes() == (tmp_path / name).read_bytes()


def test_prepared_metadata_is_the_wheels(tmp_path, monkeypatch):
    monkeypatch.delenv("GPUSCHED_BUNDLE_LIBRARY", raising=False)
    d = backend.prepare_metadata_for_build_wheel(str(tmp_path / "m"))
    name = backend.build_wheel(str(tmp_path / "w"))
    files = read_wheel(tmp_path / "w" / name)
    for fn in ("METADATA", "WHEEL"):
        assert (tmp_path / "m" / d / fn).read_bytes() == \
            files[f"{d}/{fn}"][0]


def test_bundled_library(tmp_path, monkeypatch):
    lib = os.path.realpath(os.environ["GPUSCHED_LIBRARY"])
    monkeypatch.setenv("GPUSCHED_BUNDLE_LIBRARY", lib)
    name = backend.build_wheel(str(tmp_path))
    assert name.endswith(f"-py3-none-{backend._platform_tag()}.whl")
    assert backend._platform_tag().startswith("linux_")
    files = read_wheel(tmp_path / name)
    data, info = files["gpusched/libgpusched.so"]
    with open(lib, "rb") as f:
        assert data == f.read()
    assert info.external_attr >> 16 == 0o100755
    dist_info = f"gpusched-{gpusched.__version__}.dist-info"
    check_record(files, dist_info)
    assert b"Root-Is-Purelib: false" in files[f"{dist_info}/WHEEL"][0]


@pytest.mark.parametrize("content, what", [
    (None, "No such file"),
    (b"#!/bin/sh\n", "not a shared library"),
])
def test_bad_bundled_library(tmp_path, content, what):
    path = tmp_path / "libgpusched.so"
    if content is not None:
        path.write_bytes(content)
    env = dict(os.environ, GPUSCHED_BUNDLE_LIBRARY=str(path))
    res = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
         "import gpusched_build as b; b.build_wheel(sys.argv[2])",
         BACKEND_DIR, str(tmp_path / "out")],
        env=env, capture_output=True, text=True)
    assert res.returncode == 1
    assert what in res.stderr and "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists() or not os.listdir(tmp_path / "out")


def test_editable(tmp_path, monkeypatch):
    monkeypatch.delenv("GPUSCHED_BUNDLE_LIBRARY", raising=False)
    name = backend.build_editable(str(tmp_path))
    files = read_wheel(tmp_path / name)
    pth = files["__editable__.gpusched.pth"][0].decode()
    assert pth == os.path.abspath(PYTHON_DIR) + "\n"
    assert not any(n.startswith("gpusched/") for n in files)
    check_record(files, f"gpusched-{gpusched.__version__}.dist-info")


def test_sdist_builds_the_same_wheel(tmp_path, monkeypatch):
    monkeypatch.delenv("GPUSCHED_BUNDLE_LIBRARY", raising=False)
    name = backend.build_sdist(str(tmp_path))
    base = f"gpusched-{gpusched.__version__}"
    assert name == base + ".tar.gz"
    with tarfile.open(tmp_path / name) as tar:
        names = tar.getnames()
        for must in ("PKG-INFO", "pyproject.toml", "README.md", "LICENSE",
                     "_build/gpusched_build.py", "gpusched/__init__.py",
                     "gpusched/py.typed"):
            assert f"{base}/{must}" in names
        assert not any("tests" in n or "__pycache__" in n for n in names)
        tar.extractall(tmp_path / "x")
    # a wheel built from the sdist has the same files as one from the tree
    res = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
         "import gpusched_build as b; print(b.build_wheel(sys.argv[2]))",
         str(tmp_path / "x" / base / "_build"), str(tmp_path / "w1")],
        capture_output=True, text=True, check=True)
    from_sdist = read_wheel(tmp_path / "w1" / res.stdout.strip())
    from_tree = read_wheel(tmp_path / "w2" / backend.build_wheel(
        str(tmp_path / "w2")))
    assert {k: v[0] for k, v in from_sdist.items()} == \
        {k: v[0] for k, v in from_tree.items()}
    pkg_info = (tmp_path / "x" / base / "PKG-INFO").read_bytes()
    assert pkg_info == from_tree[f"{base}.dist-info/METADATA"][0]


def test_unknown_project_keys_are_errors(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(PYTHON_DIR, src, ignore=shutil.ignore_patterns(
        "tests", "__pycache__"))
    text = (src / "pyproject.toml").read_text()
    (src / "pyproject.toml").write_text(text.replace(
        'readme = "README.md"', 'readme = "README.md"\n'
        'entry-points = {x = {y = "z"}}'))
    res = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
         "import gpusched_build as b; b.build_wheel(sys.argv[2])",
         str(src / "_build"), str(tmp_path / "out")],
        capture_output=True, text=True)
    assert res.returncode == 1
    assert "entry-points" in res.stderr and "not implemented" in res.stderr


def test_no_setuptools_anywhere():
    """The documented install must not depend on setuptools or wheel."""
    with open(os.path.join(PYTHON_DIR, "pyproject.toml")) as f:
        text = f.read()
    assert "requires = []" in text
    assert 'build-backend = "gpusched_build"' in text
    assert not os.path.exists(os.path.join(PYTHON_DIR, "setup.py"))
    with open(os.path.join(BACKEND_DIR, "gpusched_build.py")) as f:
        src = f.read()
    for mod in ("setuptools", "wheel", "distutils", "pip"):
        assert f"import {mod}" not in src and f"from {mod}" not in src
