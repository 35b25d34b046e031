"""Shared GPUs (issue 17) from Python: jobs asking for a share of each GPU
(gpu_milli=, gpu_share=, gpu_mem=), Job.gpu_milli/gpu_mem, the MPS
settings of an allocation (AllocationNode.mps_env()), the fragmentation
job mix (set_frag_classes, frag_classes), the measure (fragmentation) and
per-GPU shares (gpu_share), with every value checked before the library.

The expected values are worked out by hand in the comments, most of them
the cases of tests/test_sharing.c translated.
"""

import ctypes
import math
import shutil
import subprocess
from fractions import Fraction

import pytest

import gpusched
from gpusched import (FragClass, GpuShare, InvalidArgument, JobState,
                      NoResourcesError, ParseError, PendingReason,
                      RangeError, _lib)

pytestmark = pytest.mark.usefixtures("no_leaked_handles")

GIB = 1 << 30


def cluster(n, g, c):
    """n nodes of g GPUs (T4, 16 GiB each, PCIe), c CPUs and 64 GiB each
    (tests/test_sharing.c's cluster()). Node k has GPUs k*g .. k*g+g-1."""
    rows = ", ".join(
        '"%s"' % " ".join("X" if i == k else "PHB" for k in range(g))
        for i in range(g))
    return gpusched.Topology.from_json(
        '{"nodes": [{"name": "n[0-%d]", "numa": [{"cpus": "0-%d", '
        '"memory": "64GiB"}], "gpus": {"count": %d, "model": "T4", '
        '"memory": "16GiB", "numa": 0}, "matrix": [%s]}]}'
        % (n - 1, c - 1, g, rows))


@pytest.fixture
def topo22():
    t = cluster(2, 2, 16)
    yield t
    t.close()


def sched_on(topo, policy="best-fit", **kw):
    return gpusched.Scheduler(topo, policy, ordering="fifo", **kw)


def gpu_of(s, job):
    """The job's first GPU (cluster-wide id); None unless it runs."""
    if s.job(job).state != JobState.RUNNING:
        return None
    return s.allocation(job).gpu_ids[0]


# ---- each policy by hand --------------------------------------------------


@pytest.mark.parametrize("policy,want", [
    # Two nodes of two GPUs (n0: 0 1, n1: 2 3). A takes 0.5, then B 0.3:
    # first-fit and best-fit put B beside A on GPU 0 (0.2 left); spread
    # where most room is left, on the node with most free share: n1
    # (2.0 against 1.5) -> GPU 2. C 0.6: GPU 1 (GPU 0 has 0.2) for the
    # packers; spread: an idle GPU of the node with most free share, n1
    # (1.7 against 1.5) -> GPU 3. A whole GPU D: n1's GPU 2 for the
    # packers (n0's GPUs are shared); spread: the last idle GPU, 1.
    ("first-fit", (0, 0, 1, 2)),
    ("best-fit", (0, 0, 1, 2)),
    ("nvlink-pack", (0, 0, 1, 2)),
    ("spread", (0, 2, 3, 1)),
])
def test_policies_by_hand(topo22, policy, want):
    with sched_on(topo22, policy) as s:
        a = s.submit(1, gpu_share=0.5, submit_time=0)
        s.step(0)
        b = s.submit(1, gpu_milli=300, submit_time=1)
        s.step(1)
        c = s.submit(1, gpu_share=0.6, submit_time=2)
        s.step(2)
        d = s.submit(1, submit_time=3)
        e = s.submit(2, submit_time=3)
        s.step(3)
        assert tuple(gpu_of(s, j) for j in (a, b, c, d)) == want
        # e needs two whole GPUs of one node: one is left
        assert s.job(e).state == JobState.PENDING
        assert (s.job(a).gpu_milli, s.job(b).gpu_milli,
                s.job(c).gpu_milli, s.job(d).gpu_milli) == (500, 300, 600,
                                                            1000)
        assert s.job(c).shared and not s.job(d).shared
        s.check()


def test_two_halves_share_a_gpu_best_fit():
    """Two 0.5 jobs fill GPU 0 (best-fit: the least room left); a whole
    job then takes GPU 1, and a third half waits."""
    with cluster(1, 2, 8) as t, sched_on(t) as s:
        a = s.submit(1, gpu_share=0.5, submit_time=0)
        b = s.submit(1, gpu_share=0.5, submit_time=0)
        w = s.submit(1, submit_time=0)
        c = s.submit(1, gpu_share=0.5, submit_time=0)
        s.step(0)
        assert gpu_of(s, a) == gpu_of(s, b) == 0
        assert gpu_of(s, w) == 1
        assert s.job(c).state == JobState.PENDING
        assert s.gpu_share(0) == GpuShare(1000, 0, 2)
        assert s.gpu_share(0).free_milli == 0
        # a whole-GPU job's GPU: 1000, all of its memory, one job
        assert s.gpu_share(1) == (1000, 16 * GIB, 1)
        # preview: where would a quarter go? nowhere now
        with pytest.raises(NoResourcesError):
            s.preview(1, gpu_share=0.25)
        s.complete(a, now=1)
        assert s.gpu_share(0) == (500, 0, 1)
        assert s.preview(1, gpu_share=0.25) == [0]
        assert len(s) == 4              # preview queued nothing
        s.step(1)
        assert gpu_of(s, c) == 0


def test_whole_job_waits_for_the_last_share():
    with cluster(1, 1, 8) as t, sched_on(t) as s:
        a = s.submit(1, gpu_milli=400, submit_time=0)
        b = s.submit(1, gpu_milli=400, submit_time=0)
        s.step(0)
        w = s.submit(1, gpu_milli=1000, submit_time=1)
        s.step(1)
        assert s.job(w).state == JobState.PENDING
        assert s.gpu_share(0) == (800, 0, 2)
        s.complete(a, now=2)
        s.step(2)
        assert s.job(w).state == JobState.PENDING
        s.complete(b, now=3)
        s.step(3)
        assert s.job(w).state == JobState.RUNNING
        # a share waits for the whole job
        x = s.submit(1, gpu_milli=1, submit_time=4)
        s.step(4)
        assert s.job(x).state == JobState.PENDING
        assert s.gpu_share(0).milli == 1000 and s.gpu_share(0).jobs == 1


def test_device_memory_counts():
    """Two 10 GiB shares do not fit one 16 GiB GPU; 17 GiB never fits."""
    with cluster(1, 2, 8) as t, sched_on(t) as s:
        ids = [s.submit(1, gpu_milli=100, gpu_mem=10 * GIB, submit_time=0)
               for _ in range(3)]
        s.step(0)
        assert [gpu_of(s, j) for j in ids] == [0, 1, None]
        assert s.gpu_share(0) == (100, 10 * GIB, 1)
        assert s.job(ids[0]).gpu_mem == 10 * GIB
        with pytest.raises(NoResourcesError):
            s.submit(1, gpu_milli=100, gpu_mem="17GiB", submit_time=0)


# ---- shares as numbers: gpu_share, gpu_milli, gpu_mem ----------------------


@pytest.mark.parametrize("share,milli", [
    (0.5, 500), (0.25, 250), (0.001, 1), (0.999, 999),
    (0.1 + 0.2, 300),          # 0.30000000000000004: a float's rounding
    (Fraction(3, 8), 375), (1, 1000), (1.0, 1000),
])
def test_gpu_share_maps_to_milli(share, milli):
    with cluster(1, 1, 8) as t, sched_on(t) as s:
        j = s.submit(1, gpu_share=share, submit_time=0)
        assert s.job(j).gpu_milli == milli
        assert s.job(j).shared == (milli < 1000)


def test_whole_gpus_by_default_and_by_0_or_1000():
    with cluster(1, 2, 8) as t, sched_on(t) as s:
        jobs = [s.submit(1, submit_time=0),
                s.submit(1, gpu_milli=0, submit_time=0),
                s.submit(1, gpu_milli=1000, submit_time=0)]
        assert [s.job(j).gpu_milli for j in jobs] == [1000] * 3
        assert [s.job(j).gpu_mem for j in jobs] == [0] * 3
        s.step(0)
        # two whole GPUs: the third waits
        assert [s.job(j).state for j in jobs] == [
            JobState.RUNNING, JobState.RUNNING, JobState.PENDING]


@pytest.mark.parametrize("kwargs,exc,text", [
    (dict(gpu_milli=1001), RangeError, "gpu_milli = 1001 is out of range"),
    (dict(gpu_milli=-1), RangeError, "gpu_milli = -1"),
    (dict(gpu_milli=2 ** 32 + 500), RangeError, "gpu_milli"),
    (dict(gpu_milli=500.0), TypeError, "gpu_milli must be an integer"),
    (dict(gpu_milli="500"), TypeError, "gpu_milli must be an integer"),
    (dict(gpu_milli=True), TypeError, "gpu_milli must be an integer"),
    (dict(gpu_share=0), RangeError, "must be above 0 and at most 1"),
    (dict(gpu_share=0.0), RangeError, "gpu_share = 0.0"),
    (dict(gpu_share=-0.5), RangeError, "gpu_share = -0.5"),
    (dict(gpu_share=1.5), RangeError, "gpu_share = 1.5"),
    (dict(gpu_share=2), RangeError, "gpu_share = 2 "),
    (dict(gpu_share=math.nan), RangeError, "gpu_share = nan"),
    (dict(gpu_share=math.inf), RangeError, "gpu_share = inf"),
    (dict(gpu_share=10 ** 30), RangeError,
     "gpu_share = 1000000000000000000000000000000 is out of range"),
    (dict(gpu_share=10 ** 400), RangeError, "-bit integer"),
    (dict(gpu_share=10 ** 5000), RangeError, "-bit integer"),
    (dict(gpu_share=0.3333), InvalidArgument,
     "0.3333 is not a whole number of milli-GPUs"),
    (dict(gpu_share=0.0004), InvalidArgument, "not a whole number"),
    (dict(gpu_share="0.5"), TypeError, "gpu_share must be a number"),
    (dict(gpu_share=True), TypeError, "gpu_share must be a number"),
    (dict(gpu_share=0.5, gpu_milli=500), InvalidArgument,
     "give gpu_milli or gpu_share, not both"),
    (dict(gpu_mem=-1), RangeError, "gpu_mem = -1"),
    (dict(gpu_mem=(1 << 56) + 1), RangeError, "gpu_mem"),
    (dict(gpu_mem="1PiB"), InvalidArgument, "is not a size"),
    (dict(gpu_mem=1.5), TypeError, "gpu_mem must be an integer"),
    (dict(gpu_mem=math.nan), TypeError, "gpu_mem must be an integer"),
    # the library's own checks: a shared job is on one node, not exclusive
    (dict(gpu_milli=500, exclusive=True), InvalidArgument,
     "cannot be exclusive"),
    (dict(gpu_milli=500, gpus=2, min_nodes=2), InvalidArgument, "one node"),
    (dict(gpu_milli=500, gpus=3), NoResourcesError, "one node"),
])
def test_bad_shares(kwargs, exc, text):
    with cluster(2, 2, 8) as t, sched_on(t) as s:
        kwargs = dict(kwargs)
        gpus = kwargs.pop("gpus", 1)
        with pytest.raises(exc) as info:
            s.submit(gpus, submit_time=0, **kwargs)
        assert text in str(info.value)
        with pytest.raises(exc):
            s.preview(gpus, **kwargs)
        assert len(s) == 0              # nothing was queued


@pytest.mark.parametrize("gpus", [0.5, 1.0, 2.5])
def test_a_float_gpu_count_points_at_shares(gpus):
    with cluster(1, 2, 8) as t, sched_on(t) as s:
        with pytest.raises(TypeError, match="gpu_share=0.5 or "
                                            "gpu_milli=500"):
            s.submit(gpus, submit_time=0)
        assert len(s) == 0


# ---- MPS settings -----------------------------------------------------------


def test_mps_env_of_a_shared_job():
    """2 GPUs at 0.25 with 2 GiB each: CUDA_MPS_ACTIVE_THREAD_PERCENTAGE 25,
    CUDA_MPS_PINNED_DEVICE_MEM_LIMIT 2048 MiB on each visible device (0
    and 1 in its CUDA_VISIBLE_DEVICES); 100 s of it is 2 x 0.25 x 100 = 50
    GPU-seconds."""
    with cluster(1, 2, 8) as t, sched_on(t) as s:
        j = s.submit(2, gpu_milli=250, gpu_mem="2GiB", user="bob",
                     submit_time=0)
        s.step(0)
        alloc = s.allocation(j)
        node = alloc.nodes[0]
        assert (node.gpu_milli, node.mps_thread_percentage,
                node.mps_mem_limit) == (250, 25, "0=2048M,1=2048M")
        assert alloc.cuda_visible_devices() == "0,1"
        want = {"CUDA_MPS_ACTIVE_THREAD_PERCENTAGE": "25",
                "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT": "0=2048M,1=2048M"}
        assert node.mps_env() == want
        assert alloc.mps_env() == want
        assert alloc.mps_env("n0") == want
        assert alloc.mps_env(0) == want
        s.complete(j, now=100)
        line = s.job_accounting(j).strip().split(",")
        # ...,gpus,model,gpu_seconds,cpu_seconds
        assert float(line[-2]) == 50.0
        # whole GPUs: no MPS settings
        w = s.submit(2, submit_time=101)
        s.step(101)
        whole = s.allocation(w)
        assert whole.mps_env() == {}
        assert (whole.nodes[0].gpu_milli, whole.nodes[0].mps_thread_percentage,
                whole.nodes[0].mps_mem_limit) == (1000, 0, "")
        # a job that never started: nothing
        p = s.submit(2, submit_time=102)
        s.step(102)
        assert s.allocation(p).nodes == ()
        assert s.allocation(p).mps_env() == {}


@pytest.mark.parametrize("milli,pct", [
    (1, 1), (9, 1), (10, 1), (11, 2), (250, 25), (333, 34), (999, 100)])
def test_mps_thread_percentage_rounds_up(milli, pct):
    """A share in percent, rounded up, never 0; without gpu_mem no memory
    limit."""
    with cluster(1, 1, 8) as t, sched_on(t) as s:
        j = s.submit(1, gpu_milli=milli, submit_time=0)
        s.step(0)
        assert s.allocation(j).mps_env() == {
            "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE": str(pct)}


def test_mps_memory_limit_in_mib_rounded_down():
    """gpu_mem 1.5 GiB + 1 byte: 1536 MiB (rounded down)."""
    with cluster(1, 1, 8) as t, sched_on(t) as s:
        j = s.submit(1, gpu_share=0.5, gpu_mem=1536 * (1 << 20) + 1,
                     submit_time=0)
        s.step(0)
        assert s.allocation(j).mps_env()[
            "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT"] == "0=1536M"


# ---- limits -----------------------------------------------------------------


def test_limits_count_shares():
    """alice may hold 1 GPU: two halves run, the third waits (1.5)."""
    with cluster(1, 4, 8) as t, sched_on(t) as s:
        s.set_limit("user", "alice", 1)
        ids = [s.submit(1, gpu_share=0.5, user="alice", submit_time=0)
               for _ in range(3)]
        s.step(0)
        assert [s.job(j).state for j in ids] == [
            JobState.RUNNING, JobState.RUNNING, JobState.PENDING]
        assert s.job(ids[2]).reason == PendingReason.LIMIT
        assert "would hold 1.5 GPUs" in s.pending_reason(ids[2])[1]


# ---- the fragmentation measure ----------------------------------------------


def test_fragmentation_by_hand():
    """One node, 2 GPUs, 4 CPUs; classes {1 whole GPU, 1 CPU} and {0.6
    GPU, 1 CPU}, equal weights. A 0.5 job (1 CPU) on GPU 0 leaves free
    shares [500, 1000]: both classes fit (GPU 1) and neither can use GPU
    0's 500: 0.5 x 500 + 0.5 x 500 = 500 milli = 0.5 GPU. A 0.1 job with
    the other 3 CPUs (best-fit: GPU 0, 400 left) leaves no CPU: neither
    class fits, all the free share is fragmented, 400 + 1000 = 1.4."""
    with cluster(1, 2, 4) as t, sched_on(t) as s:
        assert s.frag_classes() == []
        assert s.fragmentation() == 0.0         # no mix yet
        s.set_frag_classes([(1, 1000, 1), FragClass(1, 600, cpus=1)])
        assert s.fragmentation() == 0.0
        s.submit(1, gpu_share=0.5, cpus_per_gpu=1, submit_time=0)
        s.step(0)
        assert s.fragmentation() == pytest.approx(0.5, abs=1e-12)
        j = s.submit(1, gpu_share=0.1, cpus_per_gpu=3, submit_time=1)
        s.step(1)
        assert gpu_of(s, j) == 0
        assert s.fragmentation() == pytest.approx(1.4, abs=1e-12)
        # heaviest first; ties: the smaller share first; weights are shares
        assert s.frag_classes() == [FragClass(1, 600, 1, 0, 0.5),
                                    FragClass(1, 1000, 1, 0, 0.5)]


@pytest.mark.parametrize("policy", ["frag-aware", "fgd"])
def test_halves_pair_up(topo22, policy):
    """frag-aware and fgd keep whole GPUs whole: with a mix of whole GPUs
    and halves, two halves go on one GPU (the second fills it: the measure
    stays 0), and a whole 2-GPU job still finds a node."""
    assert policy in gpusched.placements()
    with sched_on(topo22, policy) as s:
        s.set_frag_classes([{"gpus": 1}, {"gpus": 1, "gpu_milli": 500}])
        a = s.submit(1, gpu_share=0.5, submit_time=0)
        s.step(0)
        # one half alone: the other half of its GPU is usable by the 0.5
        # class but not by the whole one: 0.5 x 500 milli = 0.25 GPU
        assert s.fragmentation() == pytest.approx(0.25, abs=1e-12)
        b = s.submit(1, gpu_share=0.5, submit_time=1)
        s.step(1)
        assert gpu_of(s, a) == gpu_of(s, b)
        assert s.fragmentation() == 0.0
        w = s.submit(2, submit_time=2)
        s.step(2)
        assert s.job(w).state == JobState.RUNNING
        assert s.placement == policy


def test_frag_classes_forms_and_weights():
    with cluster(2, 2, 8) as t, sched_on(t, "fgd") as s:
        s.set_frag_classes([
            FragClass(1, 500, 2, 0, 3.0),
            (2,),                                       # whole GPUs
            {"gpus": 1, "gpu_milli": 250, "mem": "8GiB", "weight": 4},
        ])
        assert s.frag_classes() == [
            FragClass(1, 250, 0, 8 * GIB, 0.5),
            FragClass(1, 500, 2, 0, 0.375),
            FragClass(2, 1000, 0, 0, 0.125)]
        # an empty list: learn again (nothing submitted: no mix)
        s.set_frag_classes([])
        assert s.frag_classes() == []
        assert s.fragmentation() == 0.0


def test_learned_mix():
    """96 one-GPU submissions, two thirds halves with 2 CPUs, a third
    whole with 1 CPU: two classes, the halves about 2/3 (recent
    submissions weigh a little more)."""
    with cluster(2, 2, 8) as t, sched_on(t, "frag-aware") as s:
        for i in range(96):
            s.submit(1, gpu_milli=500 if i % 3 else 0,
                     cpus_per_gpu=2 if i % 3 else 1, submit_time=0)
        s.step(0)
        c = s.frag_classes()
        assert [(x.gpus, x.gpu_milli, x.cpus) for x in c] == [
            (1, 500, 2), (1, 1000, 1)]
        assert c[0].weight == pytest.approx(2 / 3, abs=0.01)
        assert c[0].weight + c[1].weight == pytest.approx(1, abs=1e-12)


def test_frag_classes_from_configure():
    with cluster(2, 2, 8) as t, sched_on(t, "fgd") as s:
        s.configure('{"frag_classes": [{"gpus": 1, "gpu_milli": 500, '
                    '"cpus": 2, "weight": 3},\n {"gpus": 2, '
                    '"mem": 8589934592}]}', name="c.json")
        assert s.frag_classes() == [FragClass(1, 500, 2, 0, 0.75),
                                    FragClass(2, 1000, 0, 8 * GIB, 0.25)]
        with pytest.raises(ParseError, match="c.json:2:"):
            s.configure('{"frag_classes": [{"gpus": 1},\n'
                        '  {"gpus": 1, "gpu_milli": 1200}]}', name="c.json")
        assert s.frag_classes()[0].gpu_milli == 500     # unchanged


@pytest.mark.parametrize("classes,exc,text", [
    ([(0,)], RangeError, "frag class 0: gpus = 0 is out of range (1..64)"),
    ([(1,), (65,)], RangeError, "frag class 1: gpus = 65"),
    ([(1, 0)], RangeError, "frag class 0: gpu_milli = 0"),
    ([(1, 1001)], RangeError, "gpu_milli = 1001"),
    ([(1, 500, -1)], RangeError, "frag class 0: cpus = -1"),
    ([(1, 500, 2 ** 32)], RangeError, "cpus"),
    ([(1, 500, 0, -1)], RangeError, "frag class 0: mem = -1"),
    ([(1, 500, 0, "lots")], InvalidArgument, "is not a size"),
    ([(1, 500, 0, 0, 0)], RangeError, "weight is 0"),
    ([(1, 500, 0, 0, -1.0)], RangeError, "frag class 0: weight = -1"),
    ([(1, 500, 0, 0, math.nan)], RangeError, "weight is NaN"),
    ([(1, 500, 0, 0, math.inf)], RangeError, "weight = inf"),
    ([(1, 500, 0, 0, 1e16)], RangeError, "from 0 to 1e+15"),
    ([(1, 500, 0, 0, "2")], TypeError, "weight must be a number"),
    ([(1.0,)], TypeError, "gpus must be an integer"),
    ([(True,)], TypeError, "gpus must be an integer"),
    ([(1, 500), (1, 500, 0, 0, 2.0)], InvalidArgument,
     "frag class 1 repeats class 0"),
    ([(1,)] * 2, InvalidArgument, "repeats"),
    ([(k % 64 + 1, 1000 - k // 64) for k in range(33)], RangeError,
     "33 frag classes: at most 32"),
    ([{"gpus": 1, "share": 0.5}], InvalidArgument, "unknown key 'share'"),
    ([{"gpu_milli": 500}], InvalidArgument, "gpus is missing"),
    ([(1, 500, 0, 0, 1.0, 7)], TypeError, "must be a FragClass"),
    ([()], TypeError, "must be a FragClass"),
    (["1x500"], TypeError, "must be a FragClass"),
    ([1], TypeError, "must be a FragClass"),
    ("1x500", TypeError, "must be a list"),
    ({"gpus": 1}, TypeError, "must be a list"),
    (None, TypeError, "must be a list"),
    # the library's: a shared class runs on one node (2 GPUs at most)
    ([(3, 500)], InvalidArgument, "a shared class runs on one node"),
])
def test_bad_frag_classes(classes, exc, text):
    with cluster(2, 2, 8) as t, sched_on(t, "fgd") as s:
        s.set_frag_classes([(1, 250)])
        with pytest.raises(exc) as info:
            s.set_frag_classes(classes)
        assert text in str(info.value)
        assert s.frag_classes() == [FragClass(1, 250, 0, 0, 1.0)]


def test_gpu_share_errors():
    with cluster(1, 2, 8) as t, sched_on(t) as s:
        assert s.gpu_share(1) == (0, 0, 0)
        with pytest.raises(InvalidArgument, match="GPU 2 does not exist"):
            s.gpu_share(2)
        with pytest.raises(InvalidArgument):
            s.gpu_share(-1)
        with pytest.raises(TypeError):
            s.gpu_share("0")
        with pytest.raises(TypeError):
            s.gpu_share(0.0)


# ---- snapshots keep shares --------------------------------------------------


def test_snapshot_keeps_shares():
    """A share, two shares of one GPU and the host's mix survive a
    snapshot: the restored jobs are shared, not whole."""
    with cluster(1, 2, 8) as t:
        with sched_on(t) as s:
            s.set_frag_classes([(1, 500)])
            j = s.submit(1, gpu_share=0.25, gpu_mem="1GiB", submit_time=0)
            k = s.submit(1, gpu_share=0.75, submit_time=0)
            s.step(0)
            assert gpu_of(s, j) == gpu_of(s, k) == 0
            data = s.snapshot()
        with gpusched.Scheduler.restore(t, data) as r:
            assert (r.job(j).gpu_milli, r.job(j).gpu_mem) == (250, GIB)
            assert r.job(k).gpu_milli == 750
            assert r.gpu_share(0) == (1000, GIB, 2)
            assert r.allocation(j).mps_env() == {
                "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE": "25",
                "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT": "0=1024M"}
            assert r.frag_classes() == [FragClass(1, 500, 0, 0, 1.0)]
            r.check()


def test_journal_keeps_shares(tmp_path):
    """A durable scheduler replays shared submissions and
    set_frag_classes from its journal."""
    path = str(tmp_path / "s.gss")
    with cluster(1, 2, 8) as t:
        with gpusched.Scheduler.open(t, path, placement="fgd") as s:
            s.set_frag_classes([(1, 500), (1, 1000, 0, 0, 3.0)])
            j = s.submit(1, gpu_share=0.5, gpu_mem="2GiB", submit_time=0)
            s.step(0)
            g = gpu_of(s, j)
        with gpusched.Scheduler.open(t, path) as r:
            assert (r.job(j).gpu_milli, r.job(j).gpu_mem) == (500, 2 * GIB)
            assert r.gpu_share(g) == (500, 2 * GIB, 1)
            assert r.frag_classes() == [FragClass(1, 1000, 0, 0, 0.75),
                                        FragClass(1, 500, 0, 0, 0.25)]
            r.check()


# ---- the C ABI --------------------------------------------------------------


def test_max_frag_classes_matches_the_header(repo_dir, tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler")
    src = tmp_path / "c.c"
    src.write_text("#include <gpusched/gpusched.h>\n#include <stdio.h>\n"
                   "#include <stddef.h>\nint main(void)\n{\n"
                   "    printf(\"%d %zu %zu\\n\", GS_MAX_FRAG_CLASSES,\n"
                   "           sizeof(gs_frag_class),\n"
                   "           offsetof(gs_frag_class, weight));\n"
                   "    return 0;\n}\n")
    exe = tmp_path / "c"
    subprocess.run([cc, "-std=c11", "-I", f"{repo_dir}/include", "-o",
                    str(exe), str(src)], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True,
                         check=True).stdout.split()
    assert int(out[0]) == _lib.MAX_FRAG_CLASSES
    assert int(out[1]) == ctypes.sizeof(_lib.FragClassC)
    assert int(out[2]) == _lib.FragClassC.weight.offset


def test_readme_sharing_example():
    from test_readme import _blocks, _run_checked
    blocks = [b for b in _blocks() if "gpu_share=" in b]
    assert len(blocks) == 1
    assert _run_checked(blocks[0]) >= 6
