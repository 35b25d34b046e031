"""Test set-up: the tests run against the package in this source tree and
the libgpusched named by GPUSCHED_LIBRARY (python/run_tests.sh BUILD_DIR
sets it to BUILD_DIR/lib/libgpusched.so)."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
REPO = os.path.dirname(PYTHON_DIR)
sys.path.insert(0, PYTHON_DIR)

_HOW = ("Build the library (cmake -S . -B build && cmake --build build) and "
        "run python/run_tests.sh build, or set GPUSCHED_LIBRARY to "
        "build/lib/libgpusched.so.")


def pytest_configure(config):
    lib = os.environ.get("GPUSCHED_LIBRARY")
    if not lib:
        raise pytest.UsageError(
            "GPUSCHED_LIBRARY is not set: the tests need the path of the "
            "libgpusched.so to test. " + _HOW)
    if not os.path.exists(lib):
        raise pytest.UsageError(
            f"GPUSCHED_LIBRARY={lib}: no such file. " + _HOW)
    try:
        import gpusched  # noqa: F401
    except ImportError as e:
        raise pytest.UsageError(f"cannot import gpusched:\n{e}")
    mod = sys.modules["gpusched"]
    if os.path.dirname(os.path.dirname(mod.__file__)) != PYTHON_DIR:
        raise pytest.UsageError(
            f"imported gpusched from {mod.__file__}, not from {PYTHON_DIR}")


# ---- shared fixtures -----------------------------------------------------


@pytest.fixture
def no_leaked_handles():
    """Fails the test if it leaves library handles alive (after a garbage
    collection). Modules opt in with
    ``pytestmark = pytest.mark.usefixtures("no_leaked_handles")``."""
    import gc
    from gpusched import _lib
    gc.collect()
    before = _lib.live_handles()
    yield
    gc.collect()
    assert _lib.live_handles() == before


#: The NV12 bridge-pair machine of tests/test_place.c: pairs 0-2, 1-3, 4-5,
#: 6-7 over NV12, everything else SYS, GPUs 0-3 on NUMA 0 and 4-7 on NUMA 1.
BRIDGE_PAIRS_JSON = """{
  "gpusched": 1,
  "nodes": [{
    "name": "bridge",
    "numa": [{"cpus": "0-31", "memory": "256GiB"},
             {"cpus": "32-63", "memory": "256GiB"}],
    "gpus": {"count": 8, "model": "NVIDIA A100-PCIE-40GB", "memory": "40GiB",
             "cc": "8.0", "numa": [0, 0, 0, 0, 1, 1, 1, 1]},
    "matrix": ["X    SYS  NV12 SYS  SYS  SYS  SYS  SYS",
               "SYS  X    SYS  NV12 SYS  SYS  SYS  SYS",
               "NV12 SYS  X    SYS  SYS  SYS  SYS  SYS",
               "SYS  NV12 SYS  X    SYS  SYS  SYS  SYS",
               "SYS  SYS  SYS  SYS  X    NV12 SYS  SYS",
               "SYS  SYS  SYS  SYS  NV12 X    SYS  SYS",
               "SYS  SYS  SYS  SYS  SYS  SYS  X    NV12",
               "SYS  SYS  SYS  SYS  SYS  SYS  NV12 X"]
  }]
}
"""


@pytest.fixture
def gs():
    import gpusched
    return gpusched


@pytest.fixture
def dgx1(gs):
    topo = gs.Topology.load("dgx1-v100")
    yield topo
    topo.close()


@pytest.fixture
def bridge(gs):
    topo = gs.Topology.from_json(BRIDGE_PAIRS_JSON, name="bridge.json")
    yield topo
    topo.close()


@pytest.fixture
def repo_dir():
    return REPO
