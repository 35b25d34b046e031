"""Topology.probe against the fake libcuda.so.1 and libnvidia-ml.so.1 of a
build tree (BUILD_DIR/tests/fake/, next to the BUILD_DIR/lib/libgpusched.so
under test) serving the machine scripts of tests/data/probe. Expected
values come from the scripts (tests/data/probe/README.md)."""

import json
import os
import subprocess
import sys

import pytest

import gpusched
from gpusched import Source

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(REPO, "tests", "data")
LAUNCH = os.path.join(REPO, "examples", "launch.py")


def _fake(*parts):
    lib = os.environ["GPUSCHED_LIBRARY"]
    build = os.path.dirname(os.path.dirname(os.path.abspath(lib)))
    return os.path.join(build, "tests", "fake", *parts)


CUDA = _fake("cuda", "libcuda.so.1")
NVML = _fake("nvml", "libnvidia-ml.so.1")

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CUDA),
                       reason="no fake driver in this build tree (tests "
                              "not built)"),
    pytest.mark.skipif(not gpusched._lib.lib.has("gs_topo_probe"),
                       reason="library without the probe"),
]


@pytest.fixture
def machine(monkeypatch):
    def use(name):
        monkeypatch.setenv("GPUSCHED_FAKE_MACHINE",
                           os.path.join(DATA, "probe", name))
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    use("dgx1-v100.machine")
    return use


def probe(**kw):
    kw.setdefault("cuda_library", CUDA)
    kw.setdefault("nvml_library", NVML)
    kw.setdefault("hwloc_xml", os.path.join(DATA, "probe", "dgx1-v100.xml"))
    kw.setdefault("hostname", "dgx1")
    return gpusched.Topology.probe(**kw)


def has_hwloc():
    return gpusched._lib.lib.has("gs_topo_load_hwloc")


def test_dgx1(machine):
    if not has_hwloc():
        pytest.skip("library without hwloc")
    with probe() as t:
        assert t.gpu_count == 8
        assert t.node_names == ["dgx1"]
        # the script's cube-mesh: GPU0-GPU3 two wires, GPU0-GPU5 none
        assert t.link(0, 3).nvlinks == 2
        assert t.link(0, 3).source == Source.NVML
        assert t.link(0, 5).cell == "SYS"
        assert t.quality([0, 1, 2, 3]) == 225.0
        g = t.gpu(4)
        assert g.model == "Tesla V100-SXM2-32GB"
        assert g.pci_bus_id == "0000:85:00.0"
        assert g.numa == 1
        r = t.probe_report
        assert r.status_name == "GS_OK"
        assert r.cuda.ok and r.nvml.ok and r.hwloc.ok
        assert r.cuda.name == CUDA
        assert r.cuda_driver_version == 12040
        assert r.nvml_driver_version == "550.54.15"
        assert r.nvml_devices == 8
        assert r.cuda_visible_devices is None
        assert r.gpu_info[0].nvlinks_active == 6
        assert r.gpu_info[0].attr_source == Source.DRIVER
        assert r.gpu_info[0].numa_source == Source.HWLOC
        assert r.gpu_info[0].mig_mode is None
        p = r.pairs[(0, 5)]
        assert p.access_supported is False and p.performance_rank == 1
        assert r.pairs[(0, 1)].native_atomics is True
        # the same machine as the built-in template
        with gpusched.Topology.load("dgx1-v100") as tpl:
            assert t.matrix() == tpl.matrix()
    # the report outlives the topology
    assert r.gpus == 8


def test_no_driver(machine):
    with pytest.raises(gpusched.NoDeviceError) as e:
        probe(cuda_library="/nonexistent/libcuda.so.1")
    assert "/nonexistent/libcuda.so.1 not found" in str(e.value)
    rep = e.value.probe_report
    assert rep.cuda.status_name == "GS_ENODEV"
    assert rep.gpus == 0
    if has_hwloc():
        # partial: what hwloc alone sees
        with probe(cuda_library="/nonexistent/libcuda.so.1",
                   partial=True) as t:
            assert t.gpu_count == 8
            assert t.probe_report.partial
            assert t.link(0, 1).source == Source.HWLOC


def test_driver_errors(machine):
    machine("fail-not-initialized.machine")
    with pytest.raises(gpusched.DriverError, match="CUDA_ERROR_NOT_INITIA"):
        probe(hwloc=False)
    machine("old-driver.machine")
    with pytest.raises(gpusched.UnsupportedError, match="CUDA 9.0"):
        probe(hwloc=False)
    machine("no-device.machine")
    with pytest.raises(gpusched.NoDeviceError, match="CUDA_ERROR_NO_DEVICE"):
        probe(hwloc=False)


def test_visible_devices(machine, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "GPU-27a3,0,bogus,1")
    with probe(hwloc=False) as t:
        assert t.gpu_count == 2
        assert t.gpu(0).uuid.startswith("GPU-27a3")
        assert t.link(0, 1).nvlinks == 1          # script GPU2-GPU0
        r = t.probe_report
        assert r.cuda_visible_devices == "GPU-27a3,0,bogus,1"
        assert r.visible_entries == 2 and r.visible_stop == 2
        assert [g.nvml_index for g in r.gpu_info] == [2, 0]


def test_vanished_and_warnings(machine):
    machine("vanish.machine")
    with probe(hwloc=False) as t:
        assert t.gpu_count == 7
        r = t.probe_report
        assert r.vanished == 1
        assert any("CUDA device 3 vanished" in w for w in r.warnings)
        assert [g.cuda_ordinal for g in r.gpu_info] == [0, 1, 2, 4, 5, 6, 7]


def test_nvswitch(machine):
    machine("dgx-a100.machine")
    with probe(hwloc=False, nvml=True) as t:
        assert {t.gpu(g).fabric_links for g in range(8)} == {12}
        assert t.link(0, 7).kind == gpusched.LinkKind.NVSWITCH
        assert t.bandwidth(0, 7) == 300.0
    with probe(hwloc=False, nvml=False) as t:
        assert t.link(0, 7).nvlinks == 0
        assert t.probe_report.nvml.status_name == "GS_EUNSUPPORTED"


def test_unfrozen_and_bad_arguments(machine):
    t = probe(hwloc=False, freeze=False)
    assert not t.frozen
    t.add_node("other")
    t.freeze()
    assert t.node_count == 2
    t.close()
    with pytest.raises(gpusched.InvalidArgument):
        probe(hostname="no spaces allowed")
    with pytest.raises(gpusched.InvalidArgument):
        probe(hwloc_xml="a\0b")


def test_launch_uses_the_probe(machine, tmp_path):
    """examples/launch.py without --topo probes the machine: the same
    placement as with --topo dgx1-v100 (the probe gives that machine)."""
    if not has_hwloc():
        pytest.skip("library without hwloc")
    out = {}
    for how, extra in (("probe", []), ("template", ["--topo", "dgx1-v100"])):
        rec = tmp_path / f"{how}.json"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.path.join(REPO, "python")
        env["GPUSCHED_CUDA_LIBRARY"] = CUDA
        env["GPUSCHED_NVML_LIBRARY"] = NVML
        env.pop("CUDA_VISIBLE_DEVICES", None)
        cmd = [sys.executable, LAUNCH, "--gpus", "4", "--no-affinity",
               "--state", str(tmp_path / f"{how}.state"), *extra, "--",
               sys.executable, "-c",
               "import json, os, sys; json.dump(os.environ.get("
               "'CUDA_VISIBLE_DEVICES'), open(sys.argv[1], 'w'))", str(rec)]
        res = subprocess.run(cmd, env=env, capture_output=True, text=True,
                             timeout=60)
        assert res.returncode == 0, res.stderr
        out[how] = json.loads(rec.read_text())
    # the best 4 GPUs of a DGX-1V: one quad
    assert out["probe"] == out["template"] == "0,1,2,3"
