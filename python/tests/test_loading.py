"""Finding and loading libgpusched; the version check."""

import ctypes.util
import os
import shutil
import subprocess
import sys

import pytest

import gpusched

PKG = os.path.dirname(gpusched.__file__)
LIB = os.environ["GPUSCHED_LIBRARY"]


def run_import(python_dir, env_lib=None, extra_env=None):
    """Import gpusched from python_dir in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("GPUSCHED_LIBRARY", "LD_LIBRARY_PATH")}
    if env_lib is not None:
        env["GPUSCHED_LIBRARY"] = env_lib
    env.update(extra_env or {})
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import gpusched; "
            "print(gpusched.library_path()); print(gpusched.library_version())")
    return subprocess.run([sys.executable, "-c", code, python_dir],
                          capture_output=True, text=True, env=env, timeout=60)


def fake_library(tmp_path, version, name="libfake.so"):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler")
    src = tmp_path / "fake.c"
    src.write_text(
        f"unsigned gs_version(void) {{ return {version}; }}\n"
        f"const char *gs_version_string(void) {{ return \"{version // 10000}."
        f"{version // 100 % 100}.{version % 100}\"; }}\n")
    out = tmp_path / name
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(out), str(src)],
                   check=True)
    return str(out)


def test_version_matches():
    assert gpusched.EXPECTED_VERSION == (0, 1)
    assert gpusched.library_version().startswith("0.1.")
    assert os.path.samefile(gpusched.library_path(), LIB)


def test_env_var_file_and_directory():
    python_dir = os.path.dirname(PKG)
    out = run_import(python_dir, LIB)
    assert out.returncode == 0, out.stderr
    out = run_import(python_dir, os.path.dirname(LIB))
    assert out.returncode == 0, out.stderr
    assert os.path.dirname(out.stdout.split()[0]) == os.path.dirname(LIB)


def test_env_var_missing_file_says_what_was_tried(tmp_path):
    missing = str(tmp_path / "nope" / "libgpusched.so")
    out = run_import(os.path.dirname(PKG), missing)
    assert out.returncode != 0
    assert "LibraryError" in out.stderr and "ImportError" not in out.stdout
    assert missing in out.stderr and "no such file" in out.stderr
    assert "GPUSCHED_LIBRARY" in out.stderr


def test_env_var_not_gpusched(tmp_path):
    other = ctypes.util.find_library("m")
    path = None
    for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
              "/usr/lib64", "/lib", "/usr/lib"):
        if other and os.path.exists(os.path.join(d, other)):
            path = os.path.join(d, other)
            break
    if path is None:
        pytest.skip("no libm to load")
    out = run_import(os.path.dirname(PKG), path)
    assert out.returncode != 0
    assert "no gs_version" in out.stderr


def test_wrong_version_is_refused(tmp_path):
    fake = fake_library(tmp_path, 20000)
    out = run_import(os.path.dirname(PKG), fake)
    assert out.returncode != 0
    assert "LibraryVersionError" in out.stderr
    assert "version 2.0.0" in out.stderr and "needs 0.1.x" in out.stderr
    assert fake in out.stderr


def test_right_version_but_missing_functions(tmp_path):
    fake = fake_library(tmp_path, 100)
    out = run_import(os.path.dirname(PKG), fake)
    assert out.returncode != 0
    assert "lacks" in out.stderr and "gs_topo_create" in out.stderr


def test_library_next_to_the_package(tmp_path):
    tree = tmp_path / "site"
    shutil.copytree(PKG, tree / "gpusched",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(os.path.realpath(LIB), tree / "gpusched" / "libgpusched.so")
    out = run_import(str(tree))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == str(tree / "gpusched" / "libgpusched.so")


def test_nothing_found_lists_the_attempts(tmp_path):
    if ctypes.util.find_library("gpusched"):
        pytest.skip("a libgpusched is installed on this system")
    tree = tmp_path / "site"
    shutil.copytree(PKG, tree / "gpusched",
                    ignore=shutil.ignore_patterns("__pycache__", "*.so*"))
    out = run_import(str(tree))
    assert out.returncode != 0
    assert "libgpusched was not found" in out.stderr
    assert "libgpusched.so.0.1" in out.stderr
    assert "cannot load" in out.stderr
    assert isinstance(gpusched.LibraryError("x"), ImportError)
