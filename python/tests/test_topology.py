"""Topology: loading, building, queries, JSON."""

import pickle

import pytest

import gpusched
from gpusched import LinkKind, PcieLevel, Source

# nvidia-smi topo -m of a DGX-1 V100 (the public hybrid cube-mesh)
DGX1_SMI = """\
\tGPU0\tGPU1\tGPU2\tGPU3\tGPU4\tGPU5\tGPU6\tGPU7\tCPU Affinity\tNUMA Affinity
GPU0\t X \tNV1\tNV1\tNV2\tNV2\tSYS\tSYS\tSYS\t0-19,40-59\t0
GPU1\tNV1\t X \tNV2\tNV1\tSYS\tNV2\tSYS\tSYS\t0-19,40-59\t0
GPU2\tNV1\tNV2\t X \tNV2\tSYS\tSYS\tNV1\tSYS\t0-19,40-59\t0
GPU3\tNV2\tNV1\tNV2\t X \tSYS\tSYS\tSYS\tNV1\t0-19,40-59\t0
GPU4\tNV2\tSYS\tSYS\tSYS\t X \tNV1\tNV1\tNV2\t20-39,60-79\t1
GPU5\tSYS\tNV2\tSYS\tSYS\tNV1\t X \tNV2\tNV1\t20-39,60-79\t1
GPU6\tSYS\tSYS\tNV1\tSYS\tNV1\tNV2\t X \tNV2\t20-39,60-79\t1
GPU7\tSYS\tSYS\tSYS\tNV1\tNV2\tNV1\tNV2\t X \t20-39,60-79\t1
"""

NV2_PAIRS = {(0, 3), (0, 4), (1, 2), (1, 5), (2, 3), (4, 7), (5, 6), (6, 7)}

CLUSTER_JSON = """{
  "gpusched": 1,
  "switches": [
    {"name": "spine", "link_speed": 400, "switches": "leaf[1-2]"},
    {"name": "leaf1", "nodes": "h[1-2]"},
    {"name": "leaf2", "nodes": "h[3-4]"}
  ],
  "nodes": [
    {"name": "h[1-4]", "template": "dgx-h100"},
    {"name": "gb[1-2]", "template": "gb200-tray", "nvlink_domain": "nvl-a"},
    {"name": "solo", "template": "workstation-2gpu-nvlink",
     "uuids": ["GPU-solo-0", null]}
  ]
}"""


def test_templates_listed():
    ts = gpusched.templates()
    names = [t.name for t in ts]
    assert "dgx1-v100" in names and "gb200-nvl72" in names
    by = {t.name: t for t in ts}
    assert by["gb200-nvl72"].is_cluster
    assert not by["dgx-h100"].is_cluster
    assert "DGX-1" in by["dgx1-v100"].description
    assert gpusched.template_json("dgx1-v100").lstrip().startswith("{")
    with pytest.raises(gpusched.NotFoundError):
        gpusched.template_json("nope")


def test_template_node_and_cluster():
    t = gpusched.Topology.template("dgx-h100", hostname="box")
    assert t.node_names == ["box"] and t.gpu_count == 8
    c = gpusched.Topology.template("gb200-nvl72")
    assert c.node_count == 18 and c.gpu_count == 72
    assert len(c.nvlink_domains) == 1 and c.nvlink_domains[0].size == 18
    # cross-node GPUs of one NVLink domain
    assert c.link(0, 4).kind == LinkKind.NVL_DOMAIN
    assert c.bandwidth(0, 4) > 0


def test_load_template_file_and_formats(tmp_path):
    t = gpusched.Topology.load("dgx1-v100")
    assert repr(t) == "<gpusched.Topology node 'dgx1-v100', 8 GPUs>"
    assert "json" in gpusched.formats() and "smi" in gpusched.formats()
    smi = tmp_path / "topo.txt"
    smi.write_text(DGX1_SMI)
    s = gpusched.Topology.load(smi, hostname="dgx")
    assert s.node_names == ["dgx"]
    s2 = gpusched.Topology.load(str(smi), format="smi", hostname="dgx")
    s3 = gpusched.Topology.from_text(DGX1_SMI, format="smi", hostname="dgx")
    for x in (s, s2, s3):
        assert x.quality([0, 1, 2, 3]) == t.quality([0, 1, 2, 3]) == 225.0
        assert x.local_cpulist(4) == "20-39,60-79"
    with pytest.raises(gpusched.InvalidArgument, match="unknown format"):
        gpusched.Topology.load(smi, format="yaml")
    with pytest.raises(gpusched.ParseError):
        gpusched.Topology.load(smi, format="json")


def test_load_unfrozen_then_add():
    t = gpusched.Topology.load("dgx1-v100", freeze=False)
    assert not t.frozen
    n = t.add_node("extra", template="workstation-2gpu-nvlink")
    assert n == 1
    t.freeze()
    assert t.node_names == ["dgx1-v100", "extra"] and t.gpu_count == 10


def test_dgx1_queries(dgx1):
    assert dgx1.frozen and dgx1.node_count == 1 and len(dgx1) == 1
    assert dgx1.gpu_count == 8
    node = dgx1.node(0)
    assert node == dgx1.node("dgx1-v100") == dgx1.nodes[0]
    assert node.gpu_count == 8 and node.first_gpu == 0
    assert list(node.gpu_ids) == list(range(8))
    assert node.cpu_count == 80
    assert [d.cpulist for d in node.numa] == ["0-19,40-59", "20-39,60-79"]
    assert node.numa[0].cpus == list(range(0, 20)) + list(range(40, 60))
    assert node.switch is None and node.nvlink_domain is None
    g = dgx1.gpu(5)
    assert g.id == 5 and g.index == 5 and g.node == 0
    assert g.node_name == "dgx1-v100"
    assert "V100" in g.model and g.cc == (7, 0) and g.numa == 1
    assert g.memory == 32 << 30 and g.fabric is None
    assert len(dgx1.gpus) == 8
    with pytest.raises(AttributeError):
        g.model = "x"  # read-only
    assert dgx1.gpu_id(0, 3) == 3 and dgx1.gpu_id("dgx1-v100", 7) == 7
    assert dgx1.gpu_node(6) == 0
    assert dgx1.find_node("dgx1-v100") == 0
    with pytest.raises(gpusched.NotFoundError):
        dgx1.find_node("nope")
    with pytest.raises(gpusched.InvalidArgument, match="node 1 does not"):
        dgx1.node(1)
    with pytest.raises(gpusched.InvalidArgument, match="GPUs 0-7"):
        dgx1.gpu(8)
    with pytest.raises(gpusched.InvalidArgument):
        dgx1.gpu(-1)
    with pytest.raises(TypeError):
        dgx1.gpu("0")


def test_links_and_bandwidth_by_hand(dgx1):
    for a in range(8):
        for b in range(8):
            link = dgx1.link(a, b)
            pair = (min(a, b), max(a, b))
            if a == b:
                assert link.kind == LinkKind.SELF and link.cell == "X"
                assert dgx1.bandwidth(a, b) == 0
            elif pair in NV2_PAIRS:
                assert (link.kind, link.nvlinks) == (LinkKind.NVLINK, 2)
                assert link.bandwidth == dgx1.bandwidth(a, b) == 50.0
                assert link.cell == "NV2"
            elif link.nvlinks == 1:
                assert dgx1.bandwidth(a, b) == 25.0
            else:
                assert link.kind == LinkKind.PCIE
                assert link.pcie == PcieLevel.SYS and link.cell == "SYS"
                assert dgx1.bandwidth(a, b) == 6.0
    l03 = dgx1.link(0, 3)
    assert l03.source == Source.FILE and not l03.bandwidth_explicit
    assert str(l03.kind) == "nvlink" and str(l03.pcie) == "NODE"


def test_quality_by_hand(dgx1, bridge):
    # {0,1,2,3}: 0-1 NV1 25, 0-2 NV1 25, 0-3 NV2 50, 1-2 NV2 50,
    #            1-3 NV1 25, 2-3 NV2 50
    assert dgx1.quality([0, 1, 2, 3]) == 25 + 25 + 50 + 50 + 25 + 50 == 225
    # {0,1,4,5}: 0-1 25, 0-4 50, 0-5 SYS 6, 1-4 SYS 6, 1-5 50, 4-5 NV1 25
    assert dgx1.quality([0, 1, 4, 5]) == 25 + 50 + 6 + 6 + 50 + 25 == 162
    assert dgx1.quality([3]) == 0 and dgx1.quality([]) == 0
    # NV12 bridge: 12 x 25 = 300 for a pair, + two SYS (6) for a third GPU
    assert bridge.quality([0, 2]) == 300
    assert bridge.quality([0, 1, 2]) == 300 + 6 + 6
    assert dgx1.quality(range(8)) == sum(
        dgx1.bandwidth(a, b) for a in range(8) for b in range(a + 1, 8))
    with pytest.raises(gpusched.InvalidArgument, match="repeats"):
        dgx1.quality([1, 1])
    with pytest.raises(gpusched.InvalidArgument):
        dgx1.quality([0, 99])


def test_matrix_is_nvidia_smi_text(dgx1):
    m = dgx1.matrix()
    lines = m.strip("\n").split("\n")
    assert lines[0].split("\t")[1:9] == [f"GPU{i}" for i in range(8)]
    row0 = [c.strip() for c in lines[1].split("\t")]
    assert row0[:9] == ["GPU0", "X", "NV1", "NV1", "NV2", "NV2", "SYS", "SYS",
                        "SYS"]
    assert row0[9] == "0-19,40-59"
    assert dgx1.matrix("dgx1-v100") == m
    assert "Legend" in dgx1.matrix(legend=True)
    # the library's matrix reads back to the same topology
    back = gpusched.Topology.from_text(m, format="smi")
    assert back.quality([0, 1, 2, 3]) == 225


def test_local_cpus(dgx1, bridge):
    assert dgx1.local_cpulist(0) == "0-19,40-59"
    assert dgx1.local_cpus(0) == list(range(20)) + list(range(40, 60))
    assert dgx1.local_cpus(7) == list(range(20, 40)) + list(range(60, 80))
    assert bridge.local_cpus(5) == list(range(32, 64))
    t = gpusched.Topology()
    n = t.add_node("nonuma")
    t.add_gpu(n)
    t.freeze()
    assert t.local_cpus(0) == [] and t.local_cpulist(0) == ""


def test_build_by_hand_and_queries():
    t = gpusched.Topology()
    assert repr(t) == "<gpusched.Topology building>"
    n = t.add_node("box")
    assert t.add_numa(n, "0-7", memory="64GiB") == 0
    assert t.add_numa(n, [8, 9, 10, 11, 12, 13, 14, 15], memory=1 << 36) == 1
    for i in range(4):
        idx = t.add_gpu(n, model="Test GPU", uuid=f"GPU-box-{i}",
                        pci_bus_id=f"{0x10 + i:02x}:00.0", memory="24GiB",
                        cc="8.6" if i < 2 else (8, 9), sm_count=84,
                        numa=i // 2)
        assert idx == i
    t.set_link(n, 0, 1, nvlinks=4)
    t.set_link(n, 2, 3, pcie="PIX")
    t.set_link(n, 0, 2, pcie="SYS", bandwidth=7.5)
    t.set_bandwidths(nvlink_per_link=20)
    t.freeze()
    assert t.frozen
    assert t.bandwidth(0, 1) == 80.0  # 4 links x 20
    assert t.bandwidth(2, 3) == 16.0  # PIX default
    assert t.bandwidth(0, 2) == 7.5 and t.link(0, 2).bandwidth_explicit
    # left unset: same NUMA -> NODE, else SYS (inferred)
    assert t.link(1, 3).pcie == PcieLevel.SYS
    assert "*" in t.matrix(sources=True)
    g = t.gpu(2)
    assert g.uuid == "GPU-box-2" and g.pci_bus_id == "0000:12:00.0"
    assert g.cc == (8, 9) and g.memory == 24 << 30 and g.sm_count == 84
    assert t.find_gpu("GPU-box-3") == 3
    with pytest.raises(gpusched.NotFoundError):
        t.find_gpu("GPU-none")
    assert t.node(0).numa[1].memory == 1 << 36
    assert t.node(0).numa[0].memory == 64 << 30


def test_nvswitch_fabric_builder():
    t = gpusched.Topology()
    n = t.add_node("sw")
    for _ in range(4):
        t.add_gpu(n, fabric_links=18)
    t.freeze()
    assert t.link(0, 3).kind == LinkKind.NVSWITCH
    assert t.bandwidth(0, 3) == 18 * 25
    assert t.gpu(1).fabric == 0 and t.gpu(1).fabric_links == 18


def test_switches_domains_and_common_switch():
    c = gpusched.Topology.from_json(CLUSTER_JSON)
    assert c.node_names == ["h1", "h2", "h3", "h4", "gb1", "gb2", "solo"]
    sw = {s.name: s for s in c.switches}
    assert sw["spine"].parent is None and sw["spine"].depth == 0
    assert sw["spine"].link_speed == 400
    assert sw["leaf2"].parent == "spine" and sw["leaf2"].depth == 1
    assert c.node("h3").switch == "leaf2"
    assert c.common_switch("h1", "h2") == "leaf1"
    assert c.common_switch(0, 3) == "spine"
    assert c.common_switch("h1", "h1") == "leaf1"
    assert c.common_switch("h1", "solo") is None
    assert [d.name for d in c.nvlink_domains] == ["nvl-a"]
    assert c.node("gb2").nvlink_domain == "nvl-a"
    solo = c.node("solo")
    assert c.gpu(solo.first_gpu).uuid == "GPU-solo-0"
    assert c.gpu(solo.first_gpu + 1).uuid is None
    assert c.find_gpu("GPU-solo-0") == solo.first_gpu


def test_builder_switch_api():
    t = gpusched.Topology()
    a = t.add_node("a", template="workstation-2gpu-nvlink")
    b = t.add_node("b", template="workstation-2gpu-nvlink")
    top = t.add_switch("top", link_speed=100)
    l1 = t.add_switch("l1")
    l2 = t.add_switch("l2")
    t.set_switch_parent(l1, top)
    t.set_switch_parent(l2, top)
    t.attach_node(a, l1)
    t.attach_node(b, l2)
    d = t.add_nvlink_domain("dom")
    t.set_node_domain(d, a)
    with pytest.raises(gpusched.AlreadyExistsError):
        t.add_switch("top")
    with pytest.raises(gpusched.AlreadyExistsError):
        t.attach_node(a, l2)
    t.freeze()
    assert t.common_switch("a", "b") == "top"
    assert t.node("a").nvlink_domain == "dom"
    assert t.nvlink_domains[0].size == 1


def test_json_round_trip(tmp_path, dgx1):
    c = gpusched.Topology.from_json(CLUSTER_JSON)
    text = c.to_json()
    back = gpusched.Topology.from_json(text)
    assert back.to_json() == text
    assert back.node_names == c.node_names
    assert back.gpus == c.gpus
    path = tmp_path / "saved.json"
    c.save_json(path)
    assert path.read_text() == text
    assert gpusched.Topology.load(path).gpus == c.gpus
    # pickling goes through the JSON format
    p = pickle.loads(pickle.dumps(dgx1))
    assert p.gpus == dgx1.gpus and p.quality(range(4)) == 225


def test_queries_need_frozen_and_builders_check_args():
    t = gpusched.Topology()
    for q in (lambda: t.gpu_count, lambda: t.nodes, lambda: t.matrix(),
              lambda: t.link(0, 1), lambda: t.quality([0])):
        with pytest.raises(gpusched.NotFrozenError):
            q()
    with pytest.raises(gpusched.InvalidArgument, match="node 0 does not"):
        t.add_gpu(0)
    with pytest.raises(gpusched.InvalidArgument, match="NUL"):
        t.add_node("a\0b")
    with pytest.raises(TypeError):
        t.add_node(None)
    with pytest.raises(gpusched.InvalidArgument):
        t.add_node("has space")
    n = t.add_node("ok")
    with pytest.raises(gpusched.InvalidArgument, match="cpulist"):
        t.add_numa(n, "3-1")
    with pytest.raises(gpusched.InvalidArgument, match="not a size"):
        t.add_numa(n, "0-1", memory="lots")
    with pytest.raises(gpusched.InvalidArgument, match="compute capability"):
        t.add_gpu(n, cc="eight")
    with pytest.raises(gpusched.InvalidArgument, match="pcie"):
        t.set_link(n, 0, 1, pcie="FAST")
    with pytest.raises(gpusched.InvalidArgument, match="PCI bus id"):
        t.add_gpu(n, pci_bus_id="nope")
    with pytest.raises(gpusched.RangeError):
        t.add_gpu(n, cc=(300, 0))


def test_load_warnings_are_kept(tmp_path):
    # Slurm gres.conf: an unknown key and a non-GPU line are noted, skipped
    conf = tmp_path / "gres.conf"
    conf.write_text("NodeName=n1 Name=gpu File=/dev/nvidia0 Frobnicate=1\n"
                    "NodeName=n1 Name=mps Count=100\n")
    t = gpusched.Topology.load(conf, format="slurm-gres")
    assert t.gpu_count == 1
    assert len(t.load_warnings) == 2
    assert t.load_warnings[0].startswith(f"{conf}:1:")
    assert "Frobnicate" in t.load_warnings[0]
    assert "mps" in t.load_warnings[1]


def test_hwloc_live_machine():
    # the machine the tests run on, through hwloc (when built with it)
    try:
        t = gpusched.Topology.load("hwloc", hostname="here")
    except gpusched.UnsupportedError:
        pytest.skip("library built without hwloc")
    assert t.node_names == ["here"]
    assert t.node(0).cpu_count >= 1


def test_parse_size_and_cpulist_helpers():
    assert gpusched.parse_size("80GiB") == 80 << 30
    assert gpusched.parse_size("1.5KiB") == 1536
    assert gpusched.parse_size("2TB") == 2 * 10 ** 12
    assert gpusched.parse_size(12) == 12
    with pytest.raises(gpusched.InvalidArgument):
        gpusched.parse_size("-1")
    assert gpusched.parse_cpulist("0-3,8,10-11") == [0, 1, 2, 3, 8, 10, 11]
    assert gpusched.parse_cpulist("0-6:2") == [0, 2, 4, 6]
    assert gpusched.parse_cpulist("") == []
    assert gpusched.format_cpulist([5, 0, 1, 2, 7, 8]) == "0-2,5,7-8"
    with pytest.raises(ValueError):
        gpusched.parse_cpulist("1,,2")


def test_load_hwloc_xml(tmp_path):
    import shutil
    import subprocess
    lstopo = shutil.which("lstopo-no-graphics") or shutil.which("lstopo")
    if lstopo is None:
        pytest.skip("no lstopo to export this machine's XML")
    xml = tmp_path / "here.xml"
    subprocess.run([lstopo, "--of", "xml", str(xml)], check=True,
                   capture_output=True)
    try:
        t = gpusched.Topology.load_hwloc(xml, hostname="xmlhost")
    except gpusched.UnsupportedError:
        pytest.skip("library built without hwloc")
    assert t.node_names == ["xmlhost"]
    live = gpusched.Topology.load_hwloc(hostname="livehost")
    assert live.node(0).cpu_count == t.node(0).cpu_count
    assert gpusched.Topology.load(xml, format="hwloc").node(0).cpu_count \
        == t.node(0).cpu_count
    bad = tmp_path / "bad.xml"
    bad.write_text("<?xml version='1.0'?>\n<topology>\n  <object\n")
    with pytest.raises(gpusched.ParseError, match="bad.xml"):
        gpusched.Topology.load_hwloc(bad)


def test_per_node_bandwidths():
    t = gpusched.Topology()
    for name in ("a", "b"):
        n = t.add_node(name)
        t.add_gpu(n)
        t.add_gpu(n)
        t.set_link(n, 0, 1, nvlinks=2)
    t.set_bandwidths(1, nvlink_per_link=50, sys=3)
    t.set_bandwidths(sys=4)
    t.freeze()
    assert t.bandwidth(0, 1) == 2 * 25
    assert t.bandwidth(2, 3) == 2 * 50
    with pytest.raises(gpusched.RangeError, match="nvlink_per_link"):
        gpusched.Topology().set_bandwidths(nvlink_per_link=-1)


# ---- nodes and GPUs as sequences -------------------------------------------


def test_topology_iterates_and_indexes_its_nodes():
    t = gpusched.Topology.load("gb200-nvl72")   # 18 trays of 4 GPUs
    names = t.node_names
    assert len(t) == 18 and len(names) == 18
    assert [n.name for n in t] == names
    assert t[0].name == names[0] and t[-1].name == names[17]
    assert t[-18].index == 0
    assert [n.index for n in t[2:5]] == [2, 3, 4]
    assert [n.index for n in t[::-6]] == [17, 11, 5]
    assert t[5:2] == []
    for bad in (18, -19, 2 ** 64):
        with pytest.raises(IndexError, match="out of range"):
            t[bad]
    for bad in ("nvl72-tray01", 1.0, None, True):
        with pytest.raises(TypeError, match="integers or slices"):
            t[bad]
    assert list(reversed(t.nodes))[0].index == 17
    assert t.nodes.index(t[3]) == 3 and t[3] in t.nodes
    assert t.nodes == list(t) and t.nodes != list(t)[:-1]


def test_gpus_iterate_and_index_cluster_wide_and_per_node():
    t = gpusched.Topology.load("gb200-nvl72")
    assert len(t.gpus) == 72
    g = t.gpus[13]                      # tray 4 (index 3), its GPU 1
    assert (g.id, g.node, g.index) == (13, 3, 1)
    assert t.gpus[-1].id == 71 and [x.id for x in t.gpus[68:]] == \
        [68, 69, 70, 71]
    assert [x.id for x in t.gpus] == list(range(72))
    node = t[3]
    assert len(node.gpus) == 4
    assert [x.id for x in node.gpus] == [12, 13, 14, 15]
    assert [x.index for x in node.gpus] == [0, 1, 2, 3]
    assert node.gpus[-1].id == 15 and node.gpus[1] == g
    with pytest.raises(IndexError):
        node.gpus[4]                    # local indices, not cluster ids
    with pytest.raises(IndexError):
        t.gpus[72]
    with pytest.raises(TypeError, match="integers or slices") as err:
        t.gpus["0"]
    assert "Topology.node" not in str(err.value)   # a GPU has no hostname
    assert t.gpus == [t.gpu(i) for i in range(72)]


def test_reprs_say_what_they_are(dgx1):
    assert repr(dgx1[0]) == "<Node 0 'dgx1-v100': 8 GPUs, 2 NUMA>"
    # DGX-1: GPUs 4-7 hang off the second socket; a GB200 tray's GPUs 0-1
    # off its first Grace
    assert repr(dgx1.gpus[5]) == \
        "<GPU 5 on 'dgx1-v100': Tesla V100-SXM2-32GB, NUMA 1>"
    t = gpusched.Topology.load("gb200-nvl72")
    assert repr(t.gpus[13]) == "<GPU 13 on 'nvl72-tray04' (its GPU 1): " \
        "NVIDIA GB200, NUMA 0>"
    assert repr(t.nodes) == ("<NodeList of 18 nodes: 'nvl72-tray01', "
                             "'nvl72-tray02', 'nvl72-tray03', "
                             "'nvl72-tray04', ...>")
    assert repr(t[17].gpus) == ("<GpuList of 4 GPUs on 'nvl72-tray18': 68, "
                                "69, 70, 71>")
    b = gpusched.Topology()
    n = b.add_node("bare")
    b.add_gpu(n)
    b.freeze()
    assert repr(b[0]) == "<Node 0 'bare': 1 GPU, 0 NUMA>"
    assert repr(b.gpus[0]) == "<GPU 0 on 'bare': model unknown>"


def test_children_keep_their_topology_alive():
    import gc
    import weakref
    topo = gpusched.Topology.load("dgx-h100")
    ref = weakref.ref(topo)
    nodes, gpus, node = topo.nodes, topo.gpus, topo[0]
    del topo
    gc.collect()
    assert ref() is not None
    assert nodes[0].name == "dgx-h100" and len(gpus) == 8
    assert node.gpus[7].model == "NVIDIA H100 80GB HBM3"
    del nodes, gpus
    gc.collect()
    assert ref() is not None        # the Node still reads through it
    del node
    gc.collect()
    assert ref() is None


def test_views_after_close_and_copies():
    import copy
    import pickle
    topo = gpusched.Topology.load("dgx1-v100")
    node, nodes, gpu = topo[0], topo.nodes, topo.gpus[3]
    topo.close()
    # the copies stay valid; what reads the topology says it is closed
    assert node.name == "dgx1-v100" and node.gpu_count == 8
    assert gpu.model == "Tesla V100-SXM2-32GB"
    with pytest.raises(gpusched.ClosedError):
        node.gpus[0]
    with pytest.raises(gpusched.ClosedError):
        len(nodes)
    assert "closed" in repr(nodes)
    back = pickle.loads(pickle.dumps(node))
    assert back == node and back._topology is None
    with pytest.raises(ValueError, match="not attached"):
        back.gpus
    assert copy.deepcopy(node) == node


def test_unfrozen_topology_is_true_and_refuses_views():
    t = gpusched.Topology()
    assert bool(t)                      # not len() (which needs freezing)
    with pytest.raises(gpusched.NotFrozenError):
        t.nodes
    with pytest.raises(gpusched.NotFrozenError):
        t[0]
    with pytest.raises(gpusched.NotFrozenError):
        list(t)


def test_numa_os_ids(gs):
    if not gs._lib.lib.has("gs_topo_set_numa_os_id"):
        pytest.skip("library without NUMA OS ids")
    t = gs.Topology()
    n = t.add_node("n")
    t.add_numa(n, "0-3", os_id=3)
    d = t.add_numa(n, "4-7")
    t.set_numa_os_id(n, d, 1)
    t.add_gpu(n, model="X", numa=0)  # by index: the domain with id 3
    t.add_gpu(n, model="X", numa=1)
    t.add_gpu(n, model="X")
    with pytest.raises(gs.RangeError, match="os_id"):
        t.set_numa_os_id(n, d, 1048576)
    with pytest.raises(TypeError, match="os_id"):
        t.add_numa(n, "8-9", os_id=1.0)
    t.freeze()
    assert [(x.index, x.os_id) for x in t[0].numa] == [(0, 3), (1, 1)]
    # each GPU: its domain's index, and the machine's id for it
    assert [(g.numa, g.numa_os_id) for g in t.gpus] == [(0, 3), (1, 1),
                                                       (None, None)]
    assert repr(t.gpus[0]).endswith(": X, NUMA 3>")
    assert repr(t.gpus[2]).endswith(": X>")
    # the JSON names a GPU's domain by the id, and reads back the same
    u = gs.Topology.from_json(t.to_json())
    assert [(g.numa, g.numa_os_id) for g in u.gpus] == [(0, 3), (1, 1),
                                                       (None, None)]
    assert '"numa": 3' in t.to_json()
    assert [x.os_id for x in gs.Topology.load("dgx1-v100")[0].numa] == [0, 1]
