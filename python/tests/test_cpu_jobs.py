"""CPU-only jobs (gpus=0) from Python: submitted with their CPUs and
memory (cpus_per_gpu=, mem_per_gpu= are the job's whole need), placed on
one node, shown by job() and allocation(), refused with the library's
message when they ask for nothing or set a GPU field.

The expected values are worked out by hand in the comments (the cases of
tests/test_cpu_jobs.c).
"""

import pytest

import gpusched
from gpusched import InvalidArgument, JobState, NoResourcesError

pytestmark = pytest.mark.usefixtures("no_leaked_handles")

GIB = 1 << 30


@pytest.fixture
def topo():
    """Two nodes of 2 T4 GPUs (NUMA 0) and 16 CPUs: NUMA 0 has 0-7,
    NUMA 1 has 8-15, 32 GiB each."""
    t = gpusched.Topology.from_json(
        '{"nodes": [{"name": "n[0-1]", "numa": ['
        '{"cpus": "0-7", "memory": "32GiB"},'
        '{"cpus": "8-15", "memory": "32GiB"}],'
        '"gpus": {"count": 2, "model": "T4", "memory": "16GiB", "numa": 0},'
        '"matrix": ["X PHB", "PHB X"]}]}')
    yield t
    t.close()


def test_placed_by_hand(topo):
    with gpusched.Scheduler(topo, "first-fit", ordering="priority") as s:
        # A: 1 GPU and 4 CPUs on n0 (CPUs 0-3); C1 (6 CPUs, 8 GiB) goes
        # to the node with the fewest free GPUs, n0, in the NUMA domain
        # with the fewest free CPUs that holds 6: NUMA 1, CPUs 8-13; C2
        # (10 CPUs) does not fit n0's 6 free: n1, CPUs 0-9
        a = s.submit(1, cpus_per_gpu=4, priority=40, submit_time=0)
        c1 = s.submit(0, cpus_per_gpu=6, mem_per_gpu="8GiB", priority=30,
                      submit_time=0)
        c2 = s.submit(0, cpus_per_gpu=10, priority=20, submit_time=0)
        s.step(0)
        assert s.job(a).state == JobState.RUNNING
        j = s.job(c1)
        assert j.state == JobState.RUNNING and j.gpus == 0 and j.nodes == 1
        n = s.allocation(c1).nodes
        assert len(n) == 1 and n[0].name == "n0" and n[0].gpus == ()
        assert n[0].cpus == "8-13" and n[0].cpu_count == 6
        assert n[0].memory == 8 * GIB and n[0].visible_devices == ""
        n = s.allocation(c2).nodes
        assert n[0].name == "n1" and n[0].cpus == "0-9"
        assert s.allocation(c2).gpu_count == 0


def test_refused(topo):
    with gpusched.Scheduler(topo) as s:
        with pytest.raises(InvalidArgument, match="CPU-only job"):
            s.submit(0, submit_time=0)
        with pytest.raises(InvalidArgument, match="cannot set gpu_models"):
            s.submit(0, cpus_per_gpu=1, gpu_models="T4", submit_time=0)
        with pytest.raises(InvalidArgument, match="max_nodes above 1"):
            s.submit(0, cpus_per_gpu=1, max_nodes=2, submit_time=0)
        with pytest.raises(NoResourcesError, match="never run"):
            s.submit(0, cpus_per_gpu=17, submit_time=0)
        assert len(s) == 0


def test_waits_then_runs(topo):
    with gpusched.Scheduler(topo, "first-fit", ordering="priority") as s:
        # 12 of n0's 16 and then 12 of n1's: a third needs 8, none has
        big = [s.submit(0, cpus_per_gpu=12, priority=9, submit_time=0)
               for _ in range(2)]
        c = s.submit(0, cpus_per_gpu=8, submit_time=0)
        s.step(0)
        assert s.job(c).state == JobState.PENDING
        assert "8 CPUs" in s.pending_reason(c)[1]
        s.complete(big[1], 5)
        s.step(5)
        assert s.job(c).state == JobState.RUNNING
        assert s.allocation(c).nodes[0].name == "n1"
