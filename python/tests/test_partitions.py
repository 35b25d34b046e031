"""Partitions, node features and weights, the defaults of issue 15 (no
accidental splits, one GPU model per job, known accounts), holds and
changes, time limits and expected starts, from Python. Every expected
value is worked out by hand in the comments from the scenario (clusters
of template nodes: a dgx-h100 node has 8 H100 GPUs on NVSwitches, so any
set of its free GPUs is as good as another; a dgx1-v100 node has 8
V100s), not read back from the library."""

import pickle

import pytest

import gpusched
from gpusched import EventKind, JobState, PendingReason, _lib

pytestmark = pytest.mark.usefixtures("no_leaked_handles")

T = 2 ** 60   # GS_TIME_MAX

#: a1, a2 (GPUs 0-7, 8-15) and b1, b2 (16-23, 24-31): four H100 nodes.
FOUR_H100 = """{"nodes": [{"name": "a[1-2]", "template": "dgx-h100"},
                          {"name": "b[1-2]", "template": "dgx-h100"}]}"""
#: n1..n4: four H100 nodes.
N4_H100 = '{"nodes": [{"name": "n[1-4]", "template": "dgx-h100"}]}'
#: h1 (GPUs 0-7, H100) and v1 (GPUs 8-15, V100).
MIXED = """{"nodes": [{"name": "h1", "template": "dgx-h100"},
                      {"name": "v1", "template": "dgx1-v100"}]}"""


@pytest.fixture
def four():
    topo = gpusched.Topology.from_json(FOUR_H100)
    yield topo
    topo.close()


@pytest.fixture
def n4():
    topo = gpusched.Topology.from_json(N4_H100)
    yield topo
    topo.close()


@pytest.fixture
def mixed():
    topo = gpusched.Topology.from_json(MIXED)
    yield topo
    topo.close()


@pytest.fixture
def h100():
    topo = gpusched.Topology.load("dgx-h100")
    yield topo
    topo.close()


def started(events):
    return [e.job for e in events if e.kind == EventKind.STARTED]


def nodes_of(sched, job):
    return [n.name for n in sched.allocation(job).nodes]


def raises(exc, what, fn, *args, **kwargs):
    """fn(...) raises exc with a message containing ``what``."""
    with pytest.raises(exc) as e:
        fn(*args, **kwargs)
    assert what in str(e.value), str(e.value)
    return e.value


# ---- partitions -------------------------------------------------------------


def test_a_job_in_a_named_partition_runs_only_on_its_nodes(four):
    # pa = a1,a2 (the default: added first), pb = b1,b2. Three 8-GPU jobs
    # in pb: the first two fill b1 and b2 (lowest index first), the third
    # waits although a1 and a2 are idle. A job naming no partition runs in
    # pa, on a1.
    with gpusched.Scheduler(four, ordering="fifo") as s:
        assert s.add_partition("pa", "a[1-2]") == 0
        assert s.add_partition("pb", ["b1", 3]) == 1   # names or indices
        d = s.submit(8, submit_time=0)
        j1, j2, j3 = (s.submit(8, submit_time=0, partition="pb")
                      for _ in range(3))
        assert started(s.step(0)) == [d, j1, j2]
        assert nodes_of(s, d) == ["a1"]
        assert nodes_of(s, j1) == ["b1"]
        assert nodes_of(s, j2) == ["b2"]
        assert s.job(j3).reason == PendingReason.RESOURCES
        assert s.free_gpus() == 8                    # a2, idle
        assert [s.job(j).partition for j in (d, j1, j3)] == ["pa", "pb",
                                                              "pb"]
        assert s.job_partition(j1) == "pb"
        assert s.job_partitions(j3) == ["pb"]
        assert s.node_in_partition("b1", "pb")
        assert s.node_in_partition(2, 1)
        assert not s.node_in_partition("a1", "pb")
        assert s.find_partition("pb") == 1
        pa, pb = s.partitions
        assert (pa.name, pa.default, pa.nodes, pa.gpus, pa.gpus_in_use,
                pa.running) == ("pa", True, 2, 16, 8, 1)
        assert (pb.name, pb.default, pb.nodes, pb.gpus, pb.gpus_in_use,
                pb.running) == ("pb", False, 2, 16, 16, 2)
        assert s.partition("pb") == pb and s.partition(1) == pb
        raises(gpusched.NotFoundError, "zz", s.find_partition, "zz")
        raises(gpusched.NotFoundError, "zz", s.partition, "zz")
        raises(gpusched.InvalidArgument, "partition 2", s.partition, 2)
        raises(gpusched.NotFoundError, "zz", s.node_in_partition, 0, "zz")
        # a partition nobody named is unknown; partitions come before jobs
        raises(gpusched.NotFoundError, "q", s.submit, 1, submit_time=0,
               partition="q")
        raises(gpusched.BusyError, "before the first job",
               s.add_partition, "late")
        s.check()


def test_without_partitions(h100):
    with gpusched.Scheduler(h100) as s:
        j = s.submit(1, submit_time=0)
        assert s.partitions == []
        assert s.job(j).partition is None
        assert s.job_partition(j) is None
        assert s.job_partitions(j) == []
        raises(gpusched.NotFoundError, "no job 9", s.job_partitions, 9)


def test_max_gpus_per_job(four):
    # "small" (a1, a2) allows 2 GPUs per job: 4 GPUs naming it alone are
    # refused with the library's message; naming "small,big" it runs in
    # big, the only partition left
    with gpusched.Scheduler(four) as s:
        s.add_partition("small", "a[1-2]", max_gpus_per_job=2)
        s.add_partition("big", "b[1-2]")
        e = raises(gpusched.InvalidArgument,
                   'partition "small" allows at most 2 GPUs per job',
                   s.submit, 4, submit_time=0, partition="small")
        assert "max_gpus_per_job" in e.message
        assert len(s) == 0
        j = s.submit(4, submit_time=0, partition=["small", "big"])
        assert s.job_partitions(j) == ["big"]
        s.step(0)
        assert nodes_of(s, j) == ["b1"]
        assert s.partition("small").max_gpus_per_job == 2


def test_default_partition_and_settings(four):
    # pb says default=True: a job naming none runs there (b1), not in pa,
    # which was added first
    with gpusched.Scheduler(four) as s:
        s.add_partition("pa", "a[1-2]")
        s.add_partition("pb", "b[1-2]", default=True, max_gpus_per_user=16,
                        default_time=60, max_time=3600, priority_tier=2,
                        preempts="pa", def_cpus_per_gpu=4,
                        def_mem_per_gpu="1GiB")
        pa, pb = s.partitions
        assert (pa.default, pb.default) == (False, True)
        assert pb == gpusched.PartitionInfo(
            index=1, name="pb", default=True, nodes=2, gpus=16,
            gpus_in_use=0, running=0, max_gpus_per_job=0,
            max_gpus_per_user=16, default_time=60, max_time=3600,
            priority_tier=2, def_cpus_per_gpu=4, def_mem_per_gpu=1 << 30)
        j = s.submit(2, submit_time=0)
        s.step(0)
        assert nodes_of(s, j) == ["b1"]
        # pb's defaults: 60 s, 4 CPUs and 1 GiB per GPU
        assert s.job(j).time_limit == 60
        node = s.allocation(j).nodes[0]
        assert (node.cpu_count, node.memory) == (8, 2 << 30)


def test_add_partition_errors(four):
    with gpusched.Scheduler(four) as s:
        s.add_partition("pa", "a[1-2]")
        raises(gpusched.AlreadyExistsError, "exists", s.add_partition, "pa")
        raises(gpusched.InvalidArgument, "zz9", s.add_partition, "c",
               "zz9")
        raises(gpusched.NotFoundError, "zz", s.add_partition, "c",
               preempts="zz")
        raises(gpusched.InvalidArgument, "not allowed", s.add_partition,
               "bad name")
        raises(gpusched.InvalidArgument, "above max_time", s.add_partition,
               "c", default_time=10, max_time=5)
        raises(gpusched.InvalidArgument, "node 9 does not exist",
               s.add_partition, "c", [9])
        raises(gpusched.InvalidArgument, "empty list", s.add_partition,
               "c", [])
        assert [p.name for p in s.partitions] == ["pa"]


@pytest.mark.parametrize("kw, what, exc", [
    ({"max_gpus_per_job": 2 ** 32}, "max_gpus_per_job = ", "RangeError"),
    ({"max_gpus_per_user": -1}, "max_gpus_per_user = ", "RangeError"),
    ({"priority_tier": 2 ** 32}, "priority_tier = ", "RangeError"),
    ({"def_cpus_per_gpu": -1}, "def_cpus_per_gpu = ", "RangeError"),
    ({"default_time": -1}, "default_time = ", "RangeError"),
    ({"max_time": T + 1}, "max_time = ", "RangeError"),
    ({"def_mem_per_gpu": T + 1}, "def_mem_per_gpu = ", "RangeError"),
    ({"def_mem_per_gpu": "2EiB"}, "def_mem_per_gpu", "InvalidArgument"),
    ({"max_time": 1.5}, "max_time", "TypeError"),
    ({"priority_tier": float("nan")}, "priority_tier", "TypeError"),
    ({"max_gpus_per_job": True}, "max_gpus_per_job", "TypeError"),
    ({"default": "yes"}, "default", "TypeError"),
    ({"default": 2}, "default", "TypeError"),
    ({"preempts": 3}, "preempts", "TypeError"),
])
def test_add_partition_numbers(four, kw, what, exc):
    exc = TypeError if exc == "TypeError" else getattr(gpusched, exc)
    with gpusched.Scheduler(four) as s:
        raises(exc, what, s.add_partition, "c", **kw)
        assert s.partitions == []


def test_priority_tier_goes_before_priority(h100):
    # one 8-GPU node; "low" (tier 0) and "high" (tier 1) both hold it.
    # Under the "priority" ordering, A (priority 100, low) would go before
    # B (priority 1, high); only one fits, and the tier starts B.
    for high_tier, first in ((1, "B"), (0, "A")):
        with gpusched.Scheduler(h100, ordering="priority") as s:
            s.add_partition("low")
            s.add_partition("high", priority_tier=high_tier)
            a = s.submit(8, submit_time=0, priority=100, partition="low")
            b = s.submit(8, submit_time=0, priority=1, partition="high")
            assert started(s.step(0)) == [{"A": a, "B": b}[first]]
            waiting = b if first == "A" else a
            assert s.job(waiting).reason == PendingReason.RESOURCES


# ---- holds and changes ------------------------------------------------------


def test_hold_and_release(h100):
    with gpusched.Scheduler(h100) as s:
        j = s.submit(2, submit_time=0)
        s.hold(j)
        s.hold(j)                               # again: allowed
        assert s.step(0) == []                  # 8 GPUs free, held
        job = s.job(j)
        assert (job.state, job.reason, job.held) == (
            JobState.PENDING, PendingReason.HELD, True)
        assert s.pending_reason(j)[0] == "held"
        assert str(PendingReason.HELD) == "held"
        s.release(j)
        assert not s.job(j).held
        raises(gpusched.InvalidArgument, "not held", s.release, j)
        assert started(s.step(1)) == [j]
        raises(gpusched.BusyError, "running", s.hold, j)
        raises(gpusched.BusyError, "running", s.release, j)
        raises(gpusched.NotFoundError, "no job 7", s.hold, 7)
        raises(gpusched.RangeError, "job = ", s.hold, -1)


def test_update_pending_job(h100):
    # X holds 6 of the 8 GPUs; Y asks for 4 and waits; changed to 2 GPUs
    # (and priority 5, time limit 30) it starts at the next step. Running
    # jobs cannot be changed.
    with gpusched.Scheduler(h100) as s:
        x = s.submit(6, submit_time=0)
        s.step(0)
        y = s.submit(4, submit_time=1)
        assert s.step(1) == []
        assert s.job(y).reason == PendingReason.RESOURCES
        s.update_job(y, gpus=2, priority=5, time_limit=30)
        job = s.job(y)
        assert (job.gpus, job.priority, job.time_limit) == (2, 5, 30)
        s.update_job(y)                           # nothing to change
        assert started(s.step(2)) == [y]
        assert s.allocation(y).gpu_count == 2
        e = raises(gpusched.BusyError, "running", s.update_job, y, gpus=1)
        assert "only a pending job can be changed" in e.message
        raises(gpusched.BusyError, "running", s.update_job, x, priority=1)
        assert s.job(y).gpus == 2


def test_update_job_checks(four):
    with gpusched.Scheduler(four) as s:
        s.add_partition("pa", "a[1-2]", max_gpus_per_job=8)
        s.add_partition("pb", "b[1-2]")
        s.drain_node("a1")
        s.drain_node("a2")
        j = s.submit(4, submit_time=0, gpus_per_node=2)
        # refused by the library, nothing changed
        raises(gpusched.InvalidArgument, "multiple", s.update_job, j,
               gpus=3)
        raises(gpusched.InvalidArgument, "at least 1", s.update_job, j,
               gpus=0)
        raises(gpusched.NoResourcesError, "gpus", s.update_job, j,
               gpus=40)
        raises(gpusched.InvalidArgument, "at most 8 GPUs", s.update_job, j,
               gpus=10)
        raises(gpusched.NotFoundError, "q", s.update_job, j, partition="q")
        # checked here first: type and range
        raises(TypeError, "gpus", s.update_job, j, gpus=2.0)
        raises(gpusched.RangeError, "gpus = ", s.update_job, j, gpus=2 ** 32)
        raises(gpusched.RangeError, "priority = ", s.update_job, j,
               priority=2 ** 63)
        raises(gpusched.RangeError, "time_limit = ", s.update_job, j,
               time_limit=-1)
        raises(TypeError, "priority", s.update_job, j,
               priority=float("nan"))
        raises(TypeError, "constraint", s.update_job, j, constraint=5)
        job = s.job(j)
        assert (job.gpus, job.partition) == (4, "pa")
        # to pb (b1, b2 not drained): starts there, 2 GPUs on each of two
        # nodes (gpus_per_node=2), b1 and b2
        s.update_job(j, partition="pb")
        assert s.job_partitions(j) == ["pb"]
        assert started(s.step(0)) == [j]
        assert {n: len(g) for n, g in s.allocation(j).by_node().items()} \
            == {"b1": 2, "b2": 2}


# ---- time limits ------------------------------------------------------------


def test_timeout(h100):
    # time limit 100 from 0, grace 30: past 0 + 100 + 30 at 130, reported
    # once by the step at 130 (not at 129); the job keeps running until
    # the host ends it with timeout()
    with gpusched.Scheduler(h100) as s:
        s.set_timeout_grace(30)
        j = s.submit(2, submit_time=0, time_limit=100)
        assert started(s.step(0)) == [j]
        assert s.step(129) == []
        assert not s.job(j).timed_out
        assert s.step(130) == [gpusched.Event(EventKind.TIMEOUT, j, 130)]
        assert str(EventKind.TIMEOUT) == "timeout"
        job = s.job(j)
        assert (job.state, job.timed_out) == (JobState.RUNNING, True)
        assert s.step(131) == []                # once
        s.timeout(j, 140)
        job = s.job(j)
        assert (job.state, job.end_time) == (JobState.TIMEOUT, 140)
        assert str(job.state) == "timeout"
        assert s.free_gpus() == 8
        assert s.jobs("timeout") == [job]
        raises(gpusched.StateError, "timeout", s.timeout, j, 150)


def test_timeout_grace_and_timeout_numbers(h100):
    with gpusched.Scheduler(h100) as s:
        for bad in (-1, T + 1, 2 ** 63):
            raises(gpusched.RangeError, "seconds = ", s.set_timeout_grace,
                   bad)
        raises(TypeError, "seconds", s.set_timeout_grace, 1.5)
        raises(TypeError, "seconds", s.set_timeout_grace, float("nan"))
        j = s.submit(1, submit_time=0)
        s.step(0)
        raises(gpusched.RangeError, "now = ", s.timeout, j, T + 1)
        raises(TypeError, "timeout() needs now=", s.timeout, j)
        raises(gpusched.InvalidArgument, "", s.timeout, j, -5)   # earlier
        assert s.job(j).running


def test_timeout_with_a_clock(h100):
    now = [0]
    with gpusched.Scheduler(h100, clock=lambda: now[0]) as s:
        j = s.submit(1, time_limit=10)
        s.step()
        now[0] = 10
        assert s.step() == [gpusched.Event(EventKind.TIMEOUT, j, 10)]
        now[0] = 12
        s.timeout(j)
        assert s.job(j).end_time == 12


# ---- expected starts --------------------------------------------------------


def test_expected_start_with_easy_backfill(h100):
    # one 8-GPU node. A (8 GPUs, limit 100) starts at 0. At 10, B (8 GPUs)
    # is the blocked head: its reservation is A's end, 0 + 100 = 100. C (1
    # GPU) behind it gets no reservation under easy backfill: None.
    with gpusched.Scheduler(h100, ordering="fifo", backfill="easy") as s:
        a = s.submit(8, submit_time=0, time_limit=100)
        assert s.job(a).expected_start is None      # no step yet
        s.step(0)
        b = s.submit(8, submit_time=10, time_limit=50)
        c = s.submit(1, submit_time=10, time_limit=200)
        assert s.step(10) == []
        assert s.job(a).expected_start == 0          # started: its start
        assert s.job(b).expected_start == 100
        assert s.job(c).expected_start is None
        # a snapshot's estimates are unknown until the next step
        with gpusched.Scheduler.restore(h100, s.snapshot()) as r:
            assert r.job(b).expected_start is None
            r.step(10)
            assert r.job(b).expected_start == 100


# ---- accounts ---------------------------------------------------------------


def test_unknown_accounts_are_refused_unless_auto_accounts(h100):
    # the tree lists physics with alice: chem (no such account), bob in
    # physics (physics lists users) and bob alone (in no account) are
    # refused; alice and a job with no user are taken. With auto-accounts
    # on, chem and bob are created with 1 share.
    with gpusched.Share() as share:
        share.add_account("physics", shares=1)
        share.add_user("alice", "physics")
        with gpusched.Scheduler(h100, share=share) as s:
            raises(gpusched.NotFoundError, '"chem"', s.submit, 1,
                   submit_time=0, account="chem")
            raises(gpusched.NotFoundError, '"bob"', s.submit, 1,
                   submit_time=0, user="bob", account="physics")
            raises(gpusched.NotFoundError, '"bob"', s.submit, 1,
                   submit_time=0, user="bob")
            assert len(s) == 0
            s.submit(1, submit_time=0, user="alice")
            s.submit(1, submit_time=0)
            raises(TypeError, "on", s.set_auto_accounts, "yes")
            s.set_auto_accounts(True)
            s.submit(1, submit_time=0, account="chem")
            s.submit(1, submit_time=0, user="bob", account="physics")
            rows = {(r.account, r.user): r.raw_shares for r in s.share.rows()}
            assert rows[("chem", None)] == 1
            assert rows[("physics", "bob")] == 1
            s.set_auto_accounts(False)
            raises(gpusched.NotFoundError, '"bio"', s.submit, 1,
                   submit_time=0, account="bio")


# ---- no accidental splits, one model ----------------------------------------


def test_a_4_gpu_job_lands_on_one_node(n4):
    # n1, n2, n3 hold a 5-GPU job each (3 free on each, 9 in all), n4 is
    # free: a 4-GPU job goes to n4 alone (the 9 free GPUs elsewhere would
    # need two nodes).
    with gpusched.Scheduler(n4, ordering="fifo") as s:
        fill = [s.submit(5, submit_time=0) for _ in range(3)]
        s.step(0)
        assert [nodes_of(s, j) for j in fill] == [["n1"], ["n2"], ["n3"]]
        j = s.submit(4, submit_time=1)
        assert started(s.step(1)) == [j]
        assert s.allocation(j).by_node() == {"n4": (0, 1, 2, 3)}


def test_no_split_unless_allow_split(n4):
    # every node holds a 5-GPU job: 3 free on each (12 in all). A 4-GPU job
    # that sets no node count waits (it fits on one node only); with
    # allow_split it starts over two nodes: 3 on n1 (GPUs 5-7) and 1 on n2
    # (the fewest nodes, lowest indices first).
    with gpusched.Scheduler(n4, ordering="fifo") as s:
        for _ in range(4):
            s.submit(5, submit_time=0)
        s.step(0)
        assert [s.free_gpus(n) for n in range(4)] == [3, 3, 3, 3]
        a = s.submit(4, submit_time=1)
        assert s.step(1) == []
        reason, text = s.pending_reason(a)
        assert reason == "resources" and "one node" in text
        s.cancel(a, 1)
        b = s.submit(4, submit_time=1, allow_split=True)
        assert started(s.step(1)) == [b]
        alloc = s.allocation(b)
        assert [len(n.gpus) for n in alloc.nodes] == [3, 1]
        assert alloc.by_node()["n1"] == (5, 6, 7)
        raises(TypeError, "allow_split", s.submit, 1, submit_time=1,
               allow_split="no")


def test_preview_agrees_with_submit_on_splits(n4):
    with gpusched.Scheduler(n4) as s:
        for _ in range(4):
            s.submit(5, submit_time=0)
        s.step(0)
        with pytest.raises(gpusched.NoResourcesError):
            s.preview(4)           # submit(4) + step() would not start it


def test_one_model_unless_any_model(mixed):
    # h1 (H100) and v1 (V100). 16 GPUs of one model could never run:
    # refused at submission; with any_model it takes both nodes.
    with gpusched.Scheduler(mixed, ordering="fifo") as s:
        raises(gpusched.NoResourcesError, "could never run", s.submit, 16,
               submit_time=0)
        raises(gpusched.NoResourcesError, "could never run", s.submit, 16,
               submit_time=0, allow_split=True)
        k = s.submit(16, submit_time=0, any_model=True)
        assert started(s.step(0)) == [k]
        assert nodes_of(s, k) == ["h1", "v1"]
        s.complete(k, 1)
        # 6 GPUs busy on each node: 2 H100 + 2 V100 free. A 4-GPU job
        # (allowed to split) waits rather than mix; with any_model it
        # starts on 2 + 2.
        s.submit(6, submit_time=1, gpu_models="H100")
        s.submit(6, submit_time=1, gpu_models="V100")
        s.step(1)
        assert [s.free_gpus(n) for n in ("h1", "v1")] == [2, 2]
        m = s.submit(4, submit_time=2, allow_split=True)
        assert s.step(2) == []
        assert s.job(m).reason == PendingReason.RESOURCES
        s.cancel(m, 2)
        m2 = s.submit(4, submit_time=2, allow_split=True, any_model=True)
        assert started(s.step(2)) == [m2]
        models = {mixed.gpu(g).model for g in s.allocation(m2).gpu_ids}
        assert len(models) == 2
        raises(TypeError, "any_model", s.submit, 1, submit_time=2,
               any_model=2)


# ---- features, weights, constraints -----------------------------------------


def featured():
    """n1, n2 H100 with "h100,ib"; n3 V100 "v100"; n4 V100 "v100,ib",
    weight 5."""
    t = gpusched.Topology()
    for i, tmpl in enumerate(("dgx-h100", "dgx-h100", "dgx1-v100",
                              "dgx1-v100")):
        assert t.add_node(f"n{i + 1}", template=tmpl) == i
    t.set_node_features(0, ["h100", "ib"])
    t.set_node_features(1, "h100,ib")
    t.set_node_features(2, "v100")
    t.set_node_features(3, "v100,ib")
    t.set_node_weight(3, 5)
    return t.freeze()


def test_features_and_weights():
    with featured() as t:
        assert t.features == ["h100", "ib", "v100"]
        assert t.find_feature("v100") == 2
        raises(gpusched.NotFoundError, "a100", t.find_feature, "a100")
        assert t.node_features("n4") == ["ib", "v100"]
        assert t[3].features == ("ib", "v100") and t[3].weight == 5
        assert t[0].weight == 1 and t.node_weight(0) == 1
        assert t.node_weight("n4") == 5
        assert t.node_has_feature("n1", "ib")
        assert not t.node_has_feature(2, "ib")
        assert not t.node_has_feature(2, "nope")
        assert t.node_matches(3, "v100&ib")
        assert not t.node_matches(2, "h100|ib")
        assert t.node_matches(2, None) and t.node_matches(2, "")
        t.check_constraint("h100&(ib|v100)")
        t.check_constraint(None)
        raises(gpusched.InvalidArgument, "column", t.check_constraint,
               "ib&&")
        raises(gpusched.NotFoundError, "a100", t.check_constraint,
               "ib&a100")
        raises(gpusched.NotFoundError, "a100", t.node_matches, 0, "a100")
        raises(gpusched.FrozenError, "", t.set_node_weight, 0, 2)
        raises(gpusched.FrozenError, "", t.set_node_features, 0, "x")
        # kept by the JSON round trip and pickling
        again = gpusched.Topology.from_json(t.to_json())
        assert again.node_features(3) == ["ib", "v100"]
        assert again.node_weight(3) == 5
        again.close()
        node = pickle.loads(pickle.dumps(t[3]))
        assert (node.features, node.weight) == (("ib", "v100"), 5)


def test_feature_and_weight_setters_check_their_arguments():
    with gpusched.Topology() as t:
        t.add_node("x", template="dgx-h100")
        raises(gpusched.RangeError, "weight = ", t.set_node_weight, 0,
               2 ** 32 - 1)
        raises(gpusched.RangeError, "weight = ", t.set_node_weight, 0, -1)
        raises(TypeError, "weight", t.set_node_weight, 0, 1.0)
        raises(TypeError, "weight", t.set_node_weight, 0, float("nan"))
        raises(gpusched.RangeError, "node = ", t.set_node_weight, -1, 1)
        raises(gpusched.InvalidArgument, "node 4 does not exist",
               t.set_node_weight, 4, 1)
        raises(gpusched.InvalidArgument, "comma", t.set_node_features, 0,
               ["a,b"])
        raises(TypeError, "features", t.set_node_features, 0, [1])
        raises(gpusched.InvalidArgument, "", t.set_node_features, 0,
               "bad name")
        t.set_node_weight(0, _lib.NODE_WEIGHT_MAX)
        t.set_node_features(0, ["a", "b"])
        t.set_node_features(0, None)           # cleared
        t.freeze()
        assert t.node_features(0) == []
        assert t.features == ["a", "b"]         # names given stay known
        assert t.node_weight(0) == _lib.NODE_WEIGHT_MAX


def test_constraints_and_weights_pick_nodes():
    # "v100&ib" -> n4 only; "ib" -> n1 (equal fit, lower weight than n4,
    # lowest index); a 1-GPU job without constraint among the weight-1
    # nodes: n1. A feature no node has is refused naming it.
    with featured() as t, gpusched.Scheduler(t, ordering="fifo") as s:
        a = s.submit(2, submit_time=0, constraint="v100&ib")
        b = s.submit(2, submit_time=0, constraint="ib")
        c = s.submit(2, submit_time=0, constraint="(v100 | h100)")
        s.step(0)
        assert [nodes_of(s, j) for j in (a, b, c)] == [["n4"], ["n1"],
                                                         ["n1"]]
        raises(gpusched.NotFoundError, "a100", s.submit, 1, submit_time=0,
               constraint="ib&a100")
        raises(gpusched.InvalidArgument, "", s.submit, 1, submit_time=0,
               constraint="ib&&")
        raises(TypeError, "constraint", s.submit, 1, submit_time=0,
               constraint=["ib"])
        assert len(s) == 3


# ---- defaults ---------------------------------------------------------------


def test_job_defaults(h100):
    # the scheduler's default: 4 CPUs and 2 GiB per GPU for jobs that set
    # none; a 2-GPU job holds 8 CPUs and 4 GiB, one that sets 1 CPU per
    # GPU holds 2 CPUs
    with gpusched.Scheduler(h100) as s:
        s.set_job_defaults(4, "2GiB")
        a = s.submit(2, submit_time=0)
        b = s.submit(2, submit_time=0, cpus_per_gpu=1)
        s.step(0)
        na, nb = s.allocation(a).nodes[0], s.allocation(b).nodes[0]
        assert (na.cpu_count, na.memory) == (8, 4 << 30)
        assert nb.cpu_count == 2
        raises(gpusched.RangeError, "mem_per_gpu = ", s.set_job_defaults,
               0, T + 1)
        raises(gpusched.RangeError, "cpus_per_gpu = ", s.set_job_defaults,
               -1)
        raises(TypeError, "cpus_per_gpu", s.set_job_defaults, 1.5)
        s.set_job_defaults()                    # none again
        c = s.submit(2, submit_time=0)
        s.step(0)
        assert s.allocation(c).nodes[0].cpu_count == 0


# ---- durable state ----------------------------------------------------------


def test_snapshot_and_journal_keep_partitions_and_holds(four, tmp_path):
    path = str(tmp_path / "state")
    with gpusched.Scheduler.open(four, path, ordering="fifo") as s:
        s.add_partition("pa", "a[1-2]")
        s.add_partition("pb", "b[1-2]", priority_tier=1, max_time=100)
        s.set_timeout_grace(5)
        j = s.submit(2, submit_time=0, partition="pb")
        h = s.submit(2, submit_time=0)
        s.hold(h)
        s.step(0)
    # reopened from the journal alone (no checkpoint was made)
    with gpusched.Scheduler.open(four, path) as s:
        assert [p.name for p in s.partitions] == ["pa", "pb"]
        assert s.partition("pb").max_time == 100
        assert s.job(j).partition == "pb" and s.job(j).time_limit == 100
        assert s.job(h).held
        # limit 100 + grace 5 from 0: reported at 105
        assert s.step(105) == [gpusched.Event(EventKind.TIMEOUT, j, 105)]
        s.checkpoint()
    with gpusched.Scheduler.restore(four, path) as r:
        assert r.job(j).timed_out and r.job(h).held
        assert r.partition("pb").running == 1


def test_enumerations_name_the_new_values():
    assert JobState.parse("timeout", "state") is JobState.TIMEOUT
    assert PendingReason.parse("held", "reason") is PendingReason.HELD
    assert EventKind(5) is EventKind.TIMEOUT
    assert (_lib.TIME_UNKNOWN, _lib.MAX_PARTITIONS) == (-2 ** 63, 64)


def test_readme_partitions_example():
    from test_readme import _blocks, _run_checked
    blocks = [b for b in _blocks() if "add_partition(" in b]
    assert len(blocks) == 1
    assert _run_checked(blocks[0]) >= 12


def test_accounting_records(mixed):
    # a 12-GPU job (any model, may split, 2 CPUs per GPU) on h1 + v1 from
    # 10 to 160: 8 H100 x 150 s = 1200 GPU-seconds, 4 V100 x 150 = 600,
    # 24 CPUs x 150 = 3600 CPU-seconds on the first line.
    with gpusched.Scheduler(mixed) as s:
        k = s.submit(12, submit_time=5, allow_split=True, any_model=True,
                     cpus_per_gpu=2, user="alice", name="train")
        s.step(10)
        s.complete(k, 160)
        lines = s.accounting().splitlines()
        assert lines[0].startswith("job,name,user,account,partition,state")
        assert lines[1:] == [
            "1,train,alice,,,completed,5,10,160,8,NVIDIA H100 80GB HBM3,"
            "1200,3600",
            "1,train,alice,,,completed,5,10,160,4,Tesla V100-SXM2-32GB,"
            "600,0"]
        assert s.job_accounting(k) == "\n".join(lines[1:]) + "\n"


def test_usage_saved_and_loaded_back():
    a, b = gpusched.Share(), gpusched.Share()
    try:
        for sh in (a, b):
            sh.add_account("phys")
            sh.add_user("u1", "phys")
            sh.half_life = 3600
        a.set_usage("u1", "phys", 1234.5678901234567, now=500)
        text = a.save_usage()
        assert "# as of 500\n" in text
        b.load_usage(text)
        for now in (500, 4000, 90000):
            assert (b.usage("u1", "phys", now=now) ==
                    a.usage("u1", "phys", now=now))
    finally:
        a.close()
        b.close()
