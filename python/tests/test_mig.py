"""MIG (issue 17) from Python: GPUs in MIG mode in a topology (JSON "mig",
Topology.set_gpu_mig, gpu_mig, mig_uuid), jobs asking for a profile
(mig_profile=), their instances in the allocation, CUDA_VISIBLE_DEVICES in
MIG UUID form and Scheduler.set_mig_uuid.

The expected values are tests/test_mig_sched.c's, worked out by hand
there: on a node whose GPU 0 holds the admin's 3g.40gb@0 and @4 and whose
GPU 1 is dynamic, best-fit gives the first two 3g.40gb jobs GPU 0's
instances 0 and 1 (a fixed instance costs the GPU one 3g.40gb; one made
on the empty GPU 1 costs more), and makes the third on GPU 1 at 4 (a
4g.40gb still fits at 0; at 0 it would not).
"""

import pytest

import gpusched
from gpusched import InvalidArgument, JobState, NoResourcesError, _lib

pytestmark = pytest.mark.usefixtures("no_leaked_handles")

TOPO = (
    '{"templates": {"a2": {"numa": [{"cpus": "0-15", "memory": "256GiB"}], '
    '"gpus": {"count": 2, "model": "NVIDIA A100-SXM4-80GB", "memory": '
    '"80GiB", "numa": 0}, "matrix": ["X NV12", "NV12 X"]}}, '
    '"nodes": [{"name": "m0", "template": "a2", "mig": '
    '["3g.40gb@0,3g.40gb@4", "dynamic"], "mig_uuids": [["MIG-a0", '
    '"MIG-a1"], null]}, {"name": "w0", "template": "a2"}]}')


def test_topology_modes():
    with gpusched.Topology.from_json(TOPO) as t:
        assert t.gpu_mig(0) == ("fixed", "A100-80GB",
                                (("3g.40gb", 0), ("3g.40gb", 4)))
        assert t.gpu_mig(1) == ("dynamic", "A100-80GB", ())
        assert t.gpu_mig(2) == ("off", None, ())
        assert t.mig_uuid(0, 1) == "MIG-a1"
        assert t.mig_uuid(0, 2) is None
        assert t.mig_uuid(1, 0) is None
        with pytest.raises(InvalidArgument):
            t.gpu_mig(9)


def test_build_and_errors():
    t = gpusched.Topology()
    try:
        n = t.add_node("a")
        t.add_gpu(n, model="NVIDIA A100-SXM4-40GB", memory=40 << 30)
        t.add_gpu(n, model="Tesla V100-SXM2-32GB", memory=32 << 30)
        t.set_gpu_mig(n, 0, "3g.20gb,2g.10gb,1g.5gb")
        t.set_mig_uuids(n, 0, ["MIG-x", None, "MIG-z"])
        with pytest.raises(InvalidArgument):
            t.set_mig_uuids(n, 0, ["MIG-x"])
        with pytest.raises(InvalidArgument):
            t.set_mig_uuids(n, 0, ["MIG-x", "MIG-x", None])
        with pytest.raises(InvalidArgument, match="no MIG table"):
            t.set_gpu_mig(n, 1, "dynamic")
        with pytest.raises(InvalidArgument, match="at most 1 per GPU"):
            t.set_gpu_mig(n, 0, "4g.20gb,4g.20gb")
        t.freeze()
        # A100-40GB: 3g.20gb at 0, then 2g.10gb and 1g.5gb where they
        # first fit (4 and 6)
        assert t.gpu_mig(0) == ("fixed", "A100-40GB",
                                (("3g.20gb", 0), ("2g.10gb", 4),
                                 ("1g.5gb", 6)))
        assert t.mig_uuid(0, 0) == "MIG-x"
        assert t.mig_uuid(0, 1) is None
        assert t.mig_uuid(0, 2) == "MIG-z"
    finally:
        t.close()


def test_jobs_get_instances():
    with gpusched.Topology.from_json(TOPO) as t, \
            gpusched.Scheduler(t, "best-fit", ordering="fifo") as s:
        ids = [s.submit(1, mig_profile="3g.40gb", submit_time=0)
               for _ in range(5)]
        s.step(0)
        want = [(0, 0, 0, "MIG-a0"), (0, 4, 1, "MIG-a1"), (1, 4, None, ""),
                (1, 0, None, "")]
        for j, (gpu, start, inst, cvd) in zip(ids, want):
            job = s.job(j)
            assert job.state == JobState.RUNNING
            assert job.mig_profile == "3g.40gb"
            node = s.allocation(j).nodes[0]
            assert node.gpu_ids == (gpu,)
            assert node.mig_profile == "3g.40gb"
            assert node.mig_starts == (start,)
            assert node.mig_instances == (inst,)
            assert node.visible_devices == cvd
            # 3 of 7 slices, rounded down
            assert node.gpu_milli == 428
        assert s.job(ids[4]).state == JobState.PENDING
        # the host made job 3's instance: its UUID
        s.set_mig_uuid(ids[2], 1, "MIG-b0")
        assert s.allocation(ids[2]).nodes[0].visible_devices == "MIG-b0"
        with pytest.raises(InvalidArgument):
            s.set_mig_uuid(ids[3], 1, "MIG-b0")   # another instance's
        with pytest.raises(InvalidArgument):
            s.set_mig_uuid(ids[0], 0, "MIG-x")    # a fixed instance
        with pytest.raises(InvalidArgument):
            s.set_mig_uuid(ids[3], 1, "GPU-x")    # not a MIG UUID
        # whole GPUs only on w0
        w = s.submit(2, submit_time=1)
        s.complete(ids[0], 1)
        s.step(1)
        assert s.allocation(w).nodes[0].gpu_ids == (2, 3)
        s.check()


def test_submit_errors():
    with gpusched.Topology.from_json(TOPO) as t, \
            gpusched.Scheduler(t, "best-fit") as s:
        with pytest.raises(InvalidArgument, match="not a MIG profile"):
            s.submit(1, mig_profile="5g.50gb", submit_time=0)
        with pytest.raises(NoResourcesError):
            s.submit(1, mig_profile="3g.20gb", submit_time=0)
        with pytest.raises(InvalidArgument):
            s.submit(1, mig_profile="1g.10gb", gpu_milli=500, submit_time=0)
        with pytest.raises(TypeError):
            s.submit(1, mig_profile=3, submit_time=0)


def test_state_format():
    assert _lib.STATE_FORMAT == 5
