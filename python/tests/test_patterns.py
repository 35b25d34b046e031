"""Communication patterns (issue 16) from Python: the pattern of a job,
the bandwidth models of a GPU set (Topology.pattern_bandwidth,
pattern_best) and nvlink-pack's NUMA mode, look-ahead and demand profile.

Every expected value is worked out by hand in the comments from the
dgx1-v100 template's matrix (lib/topo/templates.c), not read back from the
library. Its NVLink 2 hybrid cube-mesh, in GB/s per direction (NV1 = 25,
NV2 = 50; the pairs without NVLink are SYS, 6; GPUs 0-3 on NUMA 0, 4-7 on
NUMA 1):

         0   1   2   3   4   5   6   7
    0    -  25  25  50  50   6   6   6
    1   25   -  50  25   6  50   6   6
    2   25  50   -  50   6   6  25   6
    3   50  25  50   -   6   6   6  25
    4   50   6   6   6   -  25  25  50
    5    6  50   6   6  25   -  50  25
    6    6   6  25   6  25  50   -  50
    7    6   6   6  25  50  25  50   -

The models (docs/placement.md): NVLink pairs are "direct" (their own
wires); the SYS pairs are PCIe and share each GPU's PCIe port, whose
capacity is the GPU's best PCIe-only pair: 6 GB/s for every GPU here (each
GPU's PIX partner is NVLinked to it, so only its SYS pairs are PCIe). An
all-to-all pair over PCIe gets e(i, j) = min(bw, 6 / pairs through i's
port, 6 / pairs through j's port).
"""

import math

import pytest

import gpusched
from gpusched import (DemandEntry, EventKind, InvalidArgument, NumaMode,
                      Pattern, PatternInfo, RangeError, _lib)

pytestmark = pytest.mark.usefixtures("no_leaked_handles")

#: NV12 bridge pairs {0,1} {2,3} {4,5} {6,7} (300 GB/s), every other pair
#: SYS (6), GPUs 0-3 on NUMA 0 and 4-7 on NUMA 1 (tests/test_patterns.c).
NV12_PAIRS = """{"nodes": [{"name": "b",
  "numa": [{"cpus": "0-7"}, {"cpus": "8-15"}],
  "gpus": {"count": 8, "numa": [0, 0, 0, 0, 1, 1, 1, 1]},
  "matrix": ["X    NV12 SYS  SYS  SYS  SYS  SYS  SYS",
             "NV12 X    SYS  SYS  SYS  SYS  SYS  SYS",
             "SYS  SYS  X    NV12 SYS  SYS  SYS  SYS",
             "SYS  SYS  NV12 X    SYS  SYS  SYS  SYS",
             "SYS  SYS  SYS  SYS  X    NV12 SYS  SYS",
             "SYS  SYS  SYS  SYS  NV12 X    SYS  SYS",
             "SYS  SYS  SYS  SYS  SYS  SYS  X    NV12",
             "SYS  SYS  SYS  SYS  SYS  SYS  NV12 X"]}]}"""


@pytest.fixture
def nv12():
    topo = gpusched.Topology.from_json(NV12_PAIRS)
    yield topo
    topo.close()


def raises(exc, what, fn, *args, **kwargs):
    """fn(...) raises exc with a message containing ``what``."""
    with pytest.raises(exc) as e:
        fn(*args, **kwargs)
    assert what in str(e.value), str(e.value)
    return e.value


def models(info):
    """The models of a PatternInfo as a tuple, for compact comparisons:
    (q, ring, ring_single, rings, all_to_all, weakest_pair, bisection,
    chain)."""
    return (info.q, info.ring, info.ring_single, info.rings,
            info.all_to_all, info.weakest_pair, info.bisection, info.chain)


# ---- the names --------------------------------------------------------------


def test_pattern_names_match_the_library():
    assert [str(p) for p in Pattern] == ["any", "ring", "all-to-all",
                                         "chain", "none"]
    for p in Pattern:
        assert _lib.lib.gs_pattern_name(int(p)).decode() == p.label
    assert _lib.lib.gs_pattern_name(5) == b"?"
    assert [str(m) for m in NumaMode] == ["prefer", "strict", "ignore"]
    for m in NumaMode:
        assert _lib.lib.gs_numa_mode_name(int(m)).decode() == m.label


@pytest.mark.parametrize("name", [
    "any", "ring", "all-reduce", "allreduce", "all-to-all", "alltoall",
    "a2a", "chain", "pipeline", "none", "RING", "All-To-All", "A2A",
    "Pipeline", "all_to_all", " ring", "ring ", "", "rings", "all",
    "all-gather", "tree", "0", "1", "r\u0131ng", "\u212aany"])
def test_pattern_parse_accepts_what_gs_pattern_parse_accepts(name):
    """Pattern.parse takes exactly the names the library's
    gs_pattern_parse does (case-insensitive, nothing stripped), to the
    same pattern."""
    out = _lib.ctypes.c_int(-1)
    try:
        _lib.lib.gs_pattern_parse(name.encode(), _lib.ctypes.byref(out))
        want = out.value
    except InvalidArgument:
        want = None
    try:
        got = int(Pattern.parse(name, "pattern"))
    except InvalidArgument as e:
        assert repr(name) in str(e)
        got = None
    assert got == want


def test_pattern_parse_takes_members_and_numbers():
    assert Pattern.parse(Pattern.CHAIN, "p") is Pattern.CHAIN
    assert Pattern.parse(2, "p") is Pattern.ALL_TO_ALL
    for bad in (5, -1, True, None, 2.0, b"ring"):
        with pytest.raises(ValueError):
            Pattern.parse(bad, "pattern")


# ---- the models of a set ----------------------------------------------------


def test_the_models_of_a_two_gpu_set_are_its_pair(dgx1):
    # {0,3} (NV2, direct): one ring 0 -> 3 -> 0 at 50 uses both directions
    # of the pair; a chain of 2 and an all-to-all of 2 are the pair; the
    # only split is {0} | {3}: 50
    info = dgx1.pattern_bandwidth([0, 3], "ring")
    assert info == PatternInfo(
        gpus=(0, 3), pattern="ring", bandwidth=50.0, q=50.0, ring=50.0,
        ring_single=50.0, rings=1, all_to_all=50.0, weakest_pair=50.0,
        bisection=50.0, chain=50.0, exact=True)
    # {0,5} (SYS, over PCIe): each direction leaves one port of 6 and
    # enters the other's: one ring at 6; each port carries one pair, so
    # e(0, 5) = min(6, 6/1, 6/1) = 6
    info = dgx1.pattern_bandwidth([5, 0])
    assert info.gpus == (5, 0) and info.pattern == "any"
    assert info.bandwidth == info.q == 6.0
    assert models(info) == (6, 6, 6, 1, 6, 6, 6, 6)


def test_a_triangle_carries_two_rings(dgx1):
    # {0,1,2}: 0-1 25, 0-2 25, 1-2 50, all NVLink. Q = 100. Each ring of a
    # triangle uses all three pairs in one direction: 0->1->2->0 at
    # min(25, 50, 25) = 25, then the reverse at 25; GPU 0 has nothing left
    # to send: ring 50, 2 rings, the first 25. The best path has the 50
    # pair and a 25 one: chain 25. Every pair direct: the weakest is 25,
    # all-to-all 2 x 25 = 50. Splits {x} | rest: {0}: 25 + 25 = 50,
    # {1}: 25 + 50, {2}: 25 + 50: bisection 50.
    info = dgx1.pattern_bandwidth([0, 1, 2], "ring")
    assert models(info) == (100, 50, 25, 2, 50, 25, 50, 25)
    assert info.bandwidth == 50.0 and info.exact


def test_the_five_gpu_sets_of_the_brief(dgx1):
    # S = {0,1,2,3,4}: Q = (25+25+50 + 50+25 + 50) + (50+6+6+6) = 225 + 68
    # = 293. GPU 4 has one NVLink into S (to 0, 50): every ring enters or
    # leaves 4 over a SYS hop, so the best single ring's bottleneck is 6,
    # while the path 4-0-3-2-1 is NVLink at 50 all along: chain 50.
    # All-to-all: 4's PCIe port carries its 3 SYS pairs (to 1, 2, 3):
    # e = min(6, 6/3, 6/1) = 2, the weakest; 4 x 2 = 8. The cheapest split
    # {0,4} | {1,2,3}: 0-1 25 + 0-2 25 + 0-3 50 + 3 x 2 = 106 (the nine
    # others are larger: {0,1} | rest 202, {1,2} | rest 129...).
    a = dgx1.pattern_bandwidth([0, 1, 2, 3, 4], "ring")
    assert (a.q, a.ring_single, a.all_to_all, a.weakest_pair, a.bisection,
            a.chain) == (293, 6, 8, 2, 106, 50)
    # Each further ring also needs 4's PCIe port (6 in, 6 out) at 6 at most:
    # between 1 and 2 rings, 6 to 12 GB/s
    assert a.ring == 6 * a.rings and 1 <= a.rings <= 2
    assert a.bandwidth == a.ring
    # T = {0,1,2,4,5}: Q = 0-1 25 + 0-2 25 + 0-4 50 + 0-5 6 + 1-2 50 + 1-4
    # 6 + 1-5 50 + 2-4 6 + 2-5 6 + 4-5 25 = 249, less than S's, but it has
    # the all-NVLink ring 0-2-1-5-4-0 (its only one: 2's NVLinks in T go
    # to 0 and 1): 25, and the reverse: 50 from the first two rings.
    b = dgx1.pattern_bandwidth([0, 1, 2, 4, 5], "ring")
    assert (b.q, b.ring_single) == (249, 25)
    # After them 2 and 5 each need a SYS hop per ring, at 6 at most from
    # ports of 6 in and 6 out: at most two more rings
    assert 56 <= b.ring <= 62 and 3 <= b.rings <= 4
    # Ports: 0 and 1 carry 1 SYS pair, 2, 4 and 5 carry 2: e = 6/2 = 3
    # for each of 0-5, 1-4, 2-4, 2-5; all-to-all 4 x 3 = 12. The path
    # 2-1-5-4-0 has 50, 50, 25, 50: chain 25 (50 all along is impossible:
    # the 50 pairs 0-4, 1-2, 1-5 do not join). Cheapest split {0,4} |
    # {1,2,5}: 0-1 25 + 0-2 25 + 0-5 3 + 4-1 3 + 4-2 3 + 4-5 25 = 84.
    assert (b.all_to_all, b.weakest_pair, b.chain, b.bisection) == (
        12, 3, 25, 84)
    # bandwidth is the model of the pattern asked for
    for pattern, field in (("any", "q"), ("ring", "ring"),
                           ("all-to-all", "all_to_all"), ("a2a", "all_to_all"),
                           ("chain", "chain"), (Pattern.CHAIN, "chain"),
                           (1, "ring")):
        info = dgx1.pattern_bandwidth([0, 1, 2, 4, 5], pattern)
        assert info.bandwidth == getattr(b, field), pattern
        assert info.pattern == Pattern.parse(pattern, "p").label
        assert models(info) == models(b)
    none = dgx1.pattern_bandwidth([0, 1, 2, 4, 5], "none")
    assert none.bandwidth == 0 and none.q == 249


def test_the_whole_node_and_trivial_sets(dgx1):
    # Q of all 8: rows of the upper triangle 168 + 143 + 93 + 43 + 100 +
    # 75 + 50 = 672, as Topology.quality says
    full = dgx1.pattern_bandwidth(range(8))
    assert full.q == 672 == dgx1.quality(range(8))
    assert full.exact
    for gpus in ([], [3]):
        info = dgx1.pattern_bandwidth(gpus, "ring")
        assert models(info) == (0, 0, 0, 0, 0, 0, 0, 0)
        assert info.bandwidth == 0


def test_over_128_gpus_only_q_is_computed():
    # 20 dgx-h100 nodes: every pair of a node 18 NVLinks x 25 = 450 GB/s
    # through its NVSwitches, pairs of two nodes 0 in Q (no NVLink between
    # them): Q = 20 nodes x 28 pairs x 450 = 252000
    topo = gpusched.Topology.from_json(
        '{"nodes": [{"name": "n[1-20]", "template": "dgx-h100"}]}')
    try:
        info = topo.pattern_bandwidth(range(160), "ring")
        assert info.q == 252000 == topo.quality(range(160))
        assert not info.exact
        assert models(info)[1:] == (0, 0, 0, 0, 0, 0, 0)
        assert info.bandwidth == 0
    finally:
        topo.close()


def test_pattern_bandwidth_checks_its_arguments(dgx1):
    raises(InvalidArgument, "repeats", dgx1.pattern_bandwidth, [0, 1, 0])
    raises(InvalidArgument, "8 does not exist", dgx1.pattern_bandwidth,
           [0, 8])
    raises(InvalidArgument, "-1 does not exist", dgx1.pattern_bandwidth,
           [-1])
    with pytest.raises(TypeError):
        dgx1.pattern_bandwidth([0, 1.0])
    with pytest.raises(TypeError):
        dgx1.pattern_bandwidth([0, True])
    e = raises(InvalidArgument, "'rnig'", dgx1.pattern_bandwidth, [0, 1],
               "rnig")
    assert isinstance(e, ValueError)
    assert '"ring"' in str(e) and '"a2a"' in str(e)
    raises(InvalidArgument, "pattern 7", dgx1.pattern_bandwidth, [0, 1], 7)


def test_pattern_bandwidth_needs_a_frozen_topology():
    topo = gpusched.Topology()
    try:
        with pytest.raises(gpusched.NotFrozenError):
            topo.pattern_bandwidth([])
    finally:
        topo.close()


# ---- the best set of a node -------------------------------------------------


def test_pattern_best_by_hand(dgx1):
    # 2 GPUs: the NV2 pairs (50) 0-3, 0-4, 1-2, 1-5, 2-3, 4-7, 5-6, 6-7;
    # one NUMA domain excludes 0-4 and 1-5; the lowest is {0,3}
    for pattern in ("any", "ring", "chain", "all-to-all"):
        gpus, info = dgx1.pattern_best(0, 2, pattern)
        assert gpus == [0, 3], pattern
        assert info.gpus == (0, 3) and info.bandwidth == 50
    # 3 GPUs, ring: a triangle of NVLinks carries two rings at its weakest
    # pair, no triangle has three 50s (the 50 pairs form no triangle) and a
    # set with a SYS pair has every ring's SYS hop at 6 at most: 50 is the
    # best, by {0,1,2} {0,1,3} {0,2,3} {1,2,3} {4,5,6} {4,5,7} {4,6,7}
    # {5,6,7}; then the highest Q: 125 for {0,2,3} {1,2,3} {4,6,7}
    # {5,6,7} (two 50s and a 25), all on one NUMA domain; the lowest:
    # {0,2,3}
    gpus, info = dgx1.pattern_best(0, 3, "ring")
    assert gpus == [0, 2, 3]
    assert (info.ring, info.rings, info.ring_single, info.q) == (50, 2, 25,
                                                                  125)
    # by Q alone 125 is the most for 3 GPUs too
    assert dgx1.pattern_best("dgx1-v100", 3)[0] == [0, 2, 3]
    # 5 GPUs by Q: 293 ({0,1,2,3} + 4 or + 5 through an NV2, or {4,5,6,7} +
    # 0 or 1); the lowest is {0,1,2,3,4}
    gpus, info = dgx1.pattern_best(0, 5, "any")
    assert gpus == [0, 1, 2, 3, 4] and info.q == info.bandwidth == 293
    # 8 GPUs: the node
    gpus, info = dgx1.pattern_best(0, 8)
    assert gpus == list(range(8)) and info.q == 672


def test_pattern_best_for_a_five_gpu_ring_is_not_the_best_q(dgx1):
    # A 5-set without an all-NVLink ring has every ring through a SYS hop
    # (6 at most) leaving a GPU's PCIe port (6 out each): 5 x 6 = 30 at
    # most, while {0,1,2,4,5} packs 56 or more. So the best ring set is
    # one with an all-NVLink ring, which {0,1,2,3,4} is not.
    gpus, info = dgx1.pattern_best(0, 5, "ring")
    assert gpus != [0, 1, 2, 3, 4]
    assert len(gpus) == 5 and gpus == sorted(gpus)
    assert info.ring_single >= 25 and info.ring >= 56
    assert info.bandwidth == info.ring
    again = dgx1.pattern_bandwidth(gpus, "ring")
    assert models(again) == models(info)


def test_pattern_best_checks_its_arguments(dgx1):
    raises(RangeError, "k = 0", dgx1.pattern_best, 0, 0, "ring")
    raises(RangeError, "k = 9", dgx1.pattern_best, 0, 9, "ring")
    with pytest.raises(TypeError):
        dgx1.pattern_best(0, 2.0)
    raises(InvalidArgument, "node 1 does not exist", dgx1.pattern_best, 1,
           2)
    raises(gpusched.NotFoundError, "'nope'", dgx1.pattern_best, "nope", 2)
    raises(InvalidArgument, "'mesh'", dgx1.pattern_best, 0, 2, "mesh")


def test_node_type_index():
    topo = gpusched.Topology.from_json(
        '{"nodes": [{"name": "v[1-2]", "template": "dgx1-v100"},'
        ' {"name": "h1", "template": "dgx-h100"}]}')
    try:
        v1, v2, h1 = (topo.node_type_index(n) for n in ("v1", "v2", "h1"))
        assert v1 == v2 != h1
        assert topo.node_type_index(2) == h1
        with pytest.raises(InvalidArgument):
            topo.node_type_index(3)
    finally:
        topo.close()


# ---- the pattern of a job ---------------------------------------------------


def test_jobs_carry_their_pattern(dgx1):
    spec = _lib.new_struct(_lib.JobSpecC, "gs_job_spec_init")
    assert spec.pattern == Pattern.ANY
    with gpusched.Scheduler(dgx1) as s:
        jobs = {
            "any": s.submit(1, submit_time=0),
            "ring": s.submit(1, pattern="ring", submit_time=0),
            "all-to-all": s.submit(1, pattern="A2A", submit_time=0),
            "chain": s.submit(1, pattern=Pattern.CHAIN, submit_time=0),
            "none": s.submit(1, pattern=4, submit_time=0),
        }
        # comm="insensitive" makes any pattern "none"
        insensitive = s.submit(1, pattern="ring", comm="insensitive",
                               submit_time=0)
        for name, job in jobs.items():
            assert s.job(job).pattern == name
        assert s.job(insensitive).pattern == "none"
        assert all(j.pattern for j in s.jobs())
        # a job that ended keeps it, and so does its forget record
        seen = []
        s.on_forget(lambda job: seen.append((job.id, job.pattern)))
        s.set_retention(0, 0)
        s.step(now=0)
        s.complete(jobs["ring"], now=1)
        s.step(now=2)
        assert (jobs["ring"], "ring") in seen


def test_a_bad_pattern_is_refused_naming_it(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        e = raises(InvalidArgument, "'allreduce!'", s.submit, 2,
                   pattern="allreduce!", submit_time=0)
        assert isinstance(e, ValueError) and "pattern" in str(e)
        raises(InvalidArgument, "pattern 5", s.submit, 2, pattern=5,
               submit_time=0)
        raises(InvalidArgument, "pattern -1", s.preview, 2, pattern=-1)
        raises(InvalidArgument, "True", s.submit, 2, pattern=True,
               submit_time=0)
        raises(InvalidArgument, "None", s.submit, 2, pattern=None,
               submit_time=0)
        assert len(s) == 0


def test_a_five_gpu_ring_job_does_not_get_the_best_q_set(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        _, best = dgx1.pattern_best(0, 5, "ring")
        got = s.preview(5, pattern="ring")
        assert got != [0, 1, 2, 3, 4]
        # the best the ring model offers on the empty node
        assert dgx1.pattern_bandwidth(got, "ring").ring == best.ring
        # by Q it is a 293 set (the most of any 5-set)
        assert dgx1.quality(s.preview(5)) == 293
        job = s.submit(5, pattern="all-reduce", submit_time=0)
        assert [e.job for e in s.step(now=0)
                if e.kind == EventKind.STARTED] == [job]
        held = list(s.allocation(job).gpu_ids)
        assert held != [0, 1, 2, 3, 4]
        assert dgx1.pattern_bandwidth(held, "ring").ring_single >= 25


# ---- NUMA mode, look-ahead, demand ------------------------------------------


def run_sequence(topo, sizes, pattern, *, demand, mode="prefer",
                 drained=()):
    """Jobs of ``sizes`` one after the other, each started before the next
    is submitted; with ``demand`` the host tells the scheduler before each
    job the sizes still to come (as tests/test_patterns.c does), without
    it the look-ahead is off. Returns the sets and their summed model."""
    sets, total = [], 0.0
    with gpusched.Scheduler(topo) as s:
        s.set_numa_mode(mode)
        if not demand:
            s.set_lookahead(False)
        for g in drained:
            s.drain_gpu(g)
        for i, k in enumerate(sizes):
            rest = {}
            for x in sizes[i + 1:]:
                rest[x] = rest.get(x, 0) + x
            if demand and rest:
                s.set_demand([(x, pattern, w) for x, w in rest.items()])
            job = s.submit(k, pattern=pattern, submit_time=0)
            s.step(now=0)
            gpus = s.allocation(job).gpu_ids
            sets.append(set(gpus))
            total += topo.pattern_bandwidth(gpus, pattern).bandwidth
    return sets, total


def test_the_look_ahead_leaves_an_nv2_pair(dgx1):
    # GPU 0 taken, jobs of 2, 3, 2 GPUs. The 2-GPU sets at 50 on one NUMA
    # domain: {1,2} {2,3} {4,7} {5,6} {6,7}. Taking {2,3} leaves 1, 4-7:
    # the best 3-sets are {4,6,7} and {5,6,7} (Q 125); {4,6,7} leaves
    # {1,5} (NV2, 50) for the last job: 50 + 125 + 50 = 225.
    sets, total = run_sequence(dgx1, [2, 3, 2], "any", demand=True,
                               drained=[0])
    assert sets == [{2, 3}, {4, 6, 7}, {1, 5}] and total == 225
    # Without the look-ahead (tests/test_patterns.c): {1,2}, {5,6,7},
    # then {3,4}, a SYS pair: 50 + 125 + 6
    sets, total = run_sequence(dgx1, [2, 3, 2], "any", demand=False,
                               drained=[0])
    assert sets[0] == {1, 2} and total == 50 + 125 + 6


def test_numa_strict_gives_up_the_last_pair(nv12):
    # Jobs of 3, 3, 2 GPUs. A 3-set holding an NV12 pair has Q 300 + 6 + 6
    # = 312. With "prefer" the look-ahead comes first: the second job
    # takes a pair and a GPU of the other socket, so that the last job
    # gets an intact pair (300). With "strict" fewer NUMA domains come
    # first: the second job takes a pair and one more GPU of its socket,
    # which leaves two unpaired GPUs: 6.
    sets, total = run_sequence(nv12, [3, 3, 2], "any", demand=True,
                               mode="prefer")
    assert total == 312 + 312 + 300
    assert sets[2] in ({0, 1}, {2, 3}, {4, 5}, {6, 7})
    _, total = run_sequence(nv12, [3, 3, 2], "any", demand=True,
                            mode=NumaMode.STRICT)
    assert total == 312 + 312 + 6
    # "ignore" ranks only by the look-ahead here: as "prefer"
    _, total = run_sequence(nv12, [3, 3, 2], "any", demand=True,
                            mode="ignore")
    assert total == 312 + 312 + 300


def test_numa_mode_and_look_ahead_settings_are_checked(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        for mode in ("strict", "PREFER", "ignore", NumaMode.STRICT, 0):
            s.set_numa_mode(mode)
        raises(InvalidArgument, "'sometimes'", s.set_numa_mode, "sometimes")
        raises(InvalidArgument, "3", s.set_numa_mode, 3)
        with pytest.raises(InvalidArgument):
            s.set_numa_mode(True)
        s.set_lookahead(False)
        s.set_lookahead(True)
        s.set_lookahead(1)
        s.set_lookahead("auto")
        assert s.lookahead() == ("auto", False)  # no demand set
        s.set_demand([(2, "ring", 1.0)])
        assert s.lookahead() == ("auto", True)
        s.set_lookahead(False)
        assert s.lookahead() == ("off", False)
        s.set_numa_mode("strict")
        assert s.numa_mode() == "strict"
        for bad in ("off", 2, None):
            with pytest.raises(TypeError):
                s.set_lookahead(bad)


def test_set_demand_and_read_it_back(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        assert s.demand() == []                # nothing submitted yet
        # weights are relative: 1 and 3 are shares 1/4 and 3/4, heaviest
        # first
        s.set_demand([(2, "ring", 1.0), (4, Pattern.ANY, 3)])
        got = s.demand()
        assert got == [(4, "any", 0.75), (2, "ring", 0.25)]
        assert got[0] == DemandEntry(gpus=4, pattern="any", weight=0.75)
        assert got[0].pattern == "any" and got[1].gpus == 2
        # what demand() gives is valid input
        s.set_demand(got)
        assert s.demand() == got
        # shares are quantized to 1/64: 1/3 -> 21/64, 2/3 -> 43/64
        s.set_demand([(8, "a2a", 2), (1, "none", 1)])
        assert s.demand() == [(8, "all-to-all", 43 / 64),
                              (1, "none", 21 / 64)]
        # eight entries are the most
        s.set_demand([(k, "chain", k) for k in range(1, 9)])
        assert [e.gpus for e in s.demand()] == list(range(8, 0, -1))
        assert math.isclose(sum(e.weight for e in s.demand()), 1.0)


def test_an_empty_demand_learns_again(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        s.set_demand([(4, "any", 1)])
        for t in range(3):
            s.submit(2, pattern="ring", submit_time=t)
        s.step(now=3)
        assert s.demand() == [(4, "any", 1.0)]  # the host's, kept
        s.set_demand([])
        # learned from the submissions: all asked for 2 GPUs, ring
        assert s.demand() == [(2, "ring", 1.0)]


def test_bad_demands_are_refused_and_change_nothing(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        s.set_demand([(2, "ring", 1)])
        before = s.demand()
        e = raises(RangeError, "9 entries", s.set_demand,
                   [(k, "any", 1) for k in range(1, 10)])
        assert isinstance(e, ValueError)
        raises(RangeError, "weight is NaN", s.set_demand,
               [(2, "any", 1), (4, "any", math.nan)])
        raises(RangeError, "demand entry 0: weight = -1", s.set_demand,
               [(2, "any", -1.0)])
        raises(RangeError, "weight is 0", s.set_demand, [(2, "any", 0)])
        raises(RangeError, "weight = inf", s.set_demand,
               [(2, "any", math.inf)])
        raises(RangeError, "weight = 1e+13", s.set_demand,
               [(2, "any", 1e13)])
        raises(RangeError, "gpus = 0", s.set_demand, [(0, "any", 1)])
        raises(RangeError, "gpus = 65", s.set_demand, [(65, "any", 1)])
        raises(RangeError, "gpus = 4294967298", s.set_demand,
               [(2 ** 32 + 2, "any", 1)])
        raises(InvalidArgument, "'star'", s.set_demand, [(2, "star", 1)])
        raises(InvalidArgument, "pattern 9", s.set_demand, [(2, 9, 1)])
        raises(InvalidArgument, "repeats entry 0", s.set_demand,
               [(2, "ring", 1), (2, "all-reduce", 2)])
        for bad in ("2:ring:1", [(2, "ring")], [(2, "ring", 1, 0)],
                    [[2, "ring", "1"]], [(2.0, "ring", 1)], [None], 5,
                    [(True, "ring", 1)]):
            with pytest.raises(TypeError):
                s.set_demand(bad)
        assert s.demand() == before
        # the library's own check agrees (entries built here, unchecked)
        arr = (_lib.DemandEntryC * 1)()
        arr[0].gpus, arr[0].pattern, arr[0].weight = 2, 0, math.nan
        with s._use() as p:
            with pytest.raises(InvalidArgument):
                _lib.lib.gs_sched_set_demand(p, arr, 1)
        assert s.demand() == before


def test_settings_survive_a_snapshot_and_the_journal(dgx1, tmp_path):
    with gpusched.Scheduler(dgx1) as s:
        s.set_demand([(3, "chain", 1), (2, "ring", 1)])
        job = s.submit(2, pattern="chain", submit_time=0)
        data = s.snapshot()
        want = s.demand()
    with gpusched.Scheduler.restore(dgx1, data) as r:
        assert r.demand() == want
        assert r.job(job).pattern == "chain"
    path = tmp_path / "sched.gss"
    with gpusched.Scheduler.open(dgx1, path) as s:
        s.set_numa_mode("strict")
        s.set_lookahead(False)
        s.set_demand([(4, "a2a", 1)])
        job = s.submit(2, pattern="ring", submit_time=0)
    # closed without a checkpoint: the journal replays the calls
    with gpusched.Scheduler.open(dgx1, path) as s:
        assert s.demand() == [(4, "all-to-all", 1.0)]
        assert s.job(job).pattern == "ring"


def test_placement_options_set_them_too(dgx1):
    with gpusched.Scheduler(dgx1, placement_options="numa=strict,"
                                                    "lookahead=off") as s:
        assert s.preview(2, pattern="ring") == [0, 3]
    with pytest.raises(InvalidArgument):
        gpusched.Scheduler(dgx1, placement_options="numa=sometimes")
