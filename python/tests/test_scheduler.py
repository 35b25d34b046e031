"""Scheduler: jobs, placement answers (the C tests' cases), allocations."""

import pytest

import gpusched
from gpusched import EventKind, JobState, PendingReason

TWO_H100 = """{"nodes": [{"name": "h[1-2]", "template": "dgx-h100"},
  {"name": "ws", "template": "workstation-2gpu-nvlink",
   "uuids": ["GPU-ws-0", null]}]}"""


def place_once(topo, free=None, gpus=2, policy="nvlink-pack", **kw):
    """Place one job on a fresh scheduler where only ``free`` GPUs are
    available (the C tests' place_once), by submit + step; also checks that
    preview gives the same answer without changing anything."""
    with gpusched.Scheduler(topo, placement=policy) as s:
        if free is not None:
            for g in range(topo.gpu_count):
                if g not in free:
                    s.drain_gpu(g)
        before = s.free_gpus()
        preview = s.preview(gpus, **kw)
        assert s.free_gpus() == before and len(s) == 0
        job = s.submit(gpus, submit_time=0, **kw)
        events = s.step(0)
        assert [(e.kind, e.job) for e in events] == [(EventKind.STARTED, job)]
        s.check()
        got = list(s.allocation(job).gpu_ids)
        assert got == preview
        return got


def test_dgx1_cases_from_the_issue(dgx1):
    # {0,4} is the only NV2 pair in {0,2,4,5}
    assert place_once(dgx1, {0, 2, 4, 5}, 2) == [0, 4]
    # {0,4} NV2 beats {0,1} NV1 and {1,4} SYS
    assert place_once(dgx1, {0, 1, 4}, 2) == [0, 4]
    # {0,4} and {5,6} tie at 50; {5,6} spans one NUMA domain
    assert place_once(dgx1, {0, 4, 5, 6}, 2) == [5, 6]
    # 4's NV2 partners are 0 and 7; 4-7 stays in one NUMA domain
    assert place_once(dgx1, None, 2, require_gpus=[4]) == [4, 7]
    # both quads give Q = 225; lowest indices
    assert place_once(dgx1, None, 4) == [0, 1, 2, 3]


def test_bridge_pair_sequence(bridge):
    # 1: all ties -> GPU 0; 2: GPU 2 completes the broken pair; then each
    # 2-GPU job gets an NV12 pair, lowest first
    with gpusched.Scheduler(bridge) as s:
        got = []
        for size in (1, 1, 2, 2, 2):
            job = s.submit(size, submit_time=0)
            s.step(0)
            s.check()
            got.append(s.allocation(job).cuda_visible_devices())
        assert got == ["0", "2", "1,3", "4,5", "6,7"]
        assert s.free_gpus() == 0


def test_successive_pairs_on_dgx1_are_nv2(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        for _ in range(4):
            job = s.submit(2, submit_time=0)
            s.step(0)
            pair = s.allocation(job).gpu_ids
            assert dgx1.quality(pair) == 50.0


def test_simple_policies(dgx1):
    assert gpusched.placements()[:4] == ["first-fit", "best-fit", "spread",
                                        "nvlink-pack"]
    assert place_once(dgx1, {1, 2, 5, 6}, 2, policy="first-fit") == [1, 2]
    assert place_once(dgx1, None, 3, policy="first-fit") == [0, 1, 2]


def test_job_life_cycle(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        a = s.submit(4, name="train", user="alice", account="ml",
                     priority=5, time_limit=3600, submit_time=10)
        b = s.submit(4, submit_time=11)
        c = s.submit(2, submit_time=12)
        assert len(s) == 3 and [j.id for j in s.jobs()] == [a, b, c]
        ja = s.job(a)
        assert ja.state == JobState.PENDING and ja.pending
        assert (ja.name, ja.user, ja.account) == ("train", "alice", "ml")
        assert (ja.priority, ja.time_limit, ja.submit_time) == (5, 3600, 10)
        assert ja.start_time is None and ja.end_time is None
        events = s.step(100)
        assert {e.job for e in events} == {a, b}
        assert all(e.kind == EventKind.STARTED and e.time == 100
                   for e in events)
        assert s.events == []       # step() consumed what it returned
        assert s.job(a).running and s.job(a).start_time == 100
        assert s.job(c).state == JobState.PENDING
        assert s.job(c).reason == PendingReason.RESOURCES
        reason, text = s.pending_reason(c)
        assert reason == "resources" and "needs 2 GPUs" in text
        assert [j.id for j in s.jobs("running")] == [a, b]
        assert [j.id for j in s.jobs(JobState.PENDING)] == [c]
        s.complete(a, 200)
        ja = s.job(a)
        assert ja.state == JobState.COMPLETED and ja.end_time == 200
        assert str(ja.state) == "completed"
        assert [e.job for e in s.step(201)] == [c]
        s.fail(b, 300)
        assert s.job(b).state == JobState.FAILED
        s.cancel(c, 301)
        assert s.job(c).state == JobState.CANCELLED
        assert s.free_gpus() == 8 and s.step(302) == []
        # an ended job still shows what it had
        assert s.allocation(a).gpu_count == 4
        s.check()


def test_pending_reasons_match_the_c_tests(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        s.drain_gpu(4)
        job = s.submit(2, require_gpus=[4], submit_time=0)
        s.step(0)
        assert s.job(job).reason == PendingReason.REQUIRED_BUSY
        reason, text = s.pending_reason(job)
        assert reason == "required-busy" and "required GPU 4" in text
        s.cancel(job, 0)
        big = s.submit(8, submit_time=0)
        s.step(0)
        reason, text = s.pending_reason(big)
        assert reason == "resources" and "needs 8 GPUs; 7 are free" in text
        s.resume_gpu(4)
        assert [e.job for e in s.step(1)] == [big]
        assert s.pending_reason(big) == ("none", "")


def test_cuda_visible_devices_and_uuids():
    topo = gpusched.Topology.from_json(TWO_H100)
    with gpusched.Scheduler(topo) as s:
        ws = topo.find_node("ws")
        j = s.submit(2, require_gpus=[topo.gpu_id(ws, 1)], submit_time=0)
        s.step(0)
        alloc = s.allocation(j)
        assert alloc.cuda_visible_devices() == "0,1"
        assert alloc.cuda_visible_devices(uuids=True) == "GPU-ws-0,1"
        assert alloc.cuda_visible_devices("ws") == "0,1"
        assert s.cuda_visible_devices(j, ws) == "0,1"
        assert alloc.node("ws").gpus == (0, 1)
        with pytest.raises(KeyError):
            alloc.node("h1")
        # 16 GPUs: both DGX H100 nodes
        big = s.submit(16, gpus_per_node=8, submit_time=0)
        s.step(0)
        alloc = s.allocation(big)
        assert [n.name for n in alloc.nodes] == ["h1", "h2"]
        assert alloc.by_node() == {"h1": tuple(range(8)),
                                   "h2": tuple(range(8))}
        assert alloc.gpu_ids == tuple(range(16))
        assert alloc.cuda_visible_devices(node="h2") == "0,1,2,3,4,5,6,7"
        assert alloc.cuda_visible_devices(node=1) == "0,1,2,3,4,5,6,7"
        with pytest.raises(ValueError, match="2 nodes"):
            alloc.cuda_visible_devices()
        assert s.job(big).nodes == 2


def test_cpus_and_memory(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        j = s.submit(2, cpus_per_gpu=4, mem_per_gpu="16GiB",
                     submit_time=0)
        s.step(0)
        node = s.allocation(j).nodes[0]
        assert node.cpu_count == 8 and len(node.cpu_list) == 8
        assert set(node.cpu_list) <= set(dgx1.local_cpus(node.gpu_ids[0]))
        assert gpusched.format_cpulist(node.cpu_list) == node.cpus
        assert node.memory == 32 << 30
        assert s.free_cpus(0) == 80 - 8
        assert s.free_memory("dgx1-v100") == (512 << 30) - (32 << 30)
        s.complete(j, 10)
        assert s.free_cpus(0) == 80


def test_drain_resume_fail_repair(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        s.drain_node("dgx1-v100")
        assert s.free_gpus() == 0 and s.free_gpus(0) == 0
        job = s.submit(2, submit_time=0)
        assert s.step(0) == []
        s.resume_node(0)
        assert [e.job for e in s.step(1)] == [job]
        held = s.allocation(job).gpu_ids
        assert s.gpu_job(held[0]) == job and s.gpu_job(7) is None
        assert s.fail_gpu(held[1], now=5) == job
        assert s.events == []       # its FAILED event: reported, consumed
        assert s.job(job).state == JobState.FAILED
        assert s.free_gpus() == 7
        assert s.fail_gpu(7, now=6) is None
        s.repair_gpu(held[1])
        s.repair_gpu(7)
        assert s.free_gpus() == 8
        with pytest.raises(gpusched.InvalidArgument, match="GPU 8"):
            s.drain_gpu(8)
        with pytest.raises(gpusched.NotFoundError):
            s.drain_node("other")
        with pytest.raises(gpusched.InvalidArgument):
            s.free_gpus(3)
        s.check()


def test_gpu_constraints(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        assert len(s.preview(2, gpu_models=["V100", "A100"])) == 2
        assert len(s.preview(2, gpu_models="v100")) == 2
        assert len(s.preview(2, min_cc=(7, 0))) == 2
        assert len(s.preview(2, min_cc="7.0", min_gpu_memory="32GiB")) == 2
        with pytest.raises(gpusched.NoResourcesError):
            s.preview(1, min_gpu_memory="64GiB")
        with pytest.raises(gpusched.InvalidArgument, match="comma"):
            s.preview(1, gpu_models=["V100,A100"])
        assert s.preview(2, comm="insensitive") != []
        assert s.preview(2, comm=gpusched.Comm.BANDWIDTH) == [0, 3]
        assert len(s.preview(8, exclusive=True, one_nvlink_domain=True)) == 8
        assert s.preview(1, require_gpus=6) == [6]


def test_submit_and_preview_signature_is_documented():
    import inspect
    sig = inspect.signature(gpusched.Scheduler.submit)
    params = list(sig.parameters)
    assert params[:2] == ["self", "gpus"]
    for name in ("gpus_per_node", "min_cc", "require_uuids", "comm",
                 "submit_time"):
        assert name in params
    assert list(inspect.signature(gpusched.Scheduler.preview).parameters) \
        == params
    text = gpusched.Scheduler.__doc__ + gpusched.Scheduler.submit.__doc__
    assert "cuda_visible_devices" in text and "InvalidArgument" in text


def test_repr_and_topology_property(dgx1):
    s = gpusched.Scheduler(dgx1, placement="spread")
    assert s.topology is dgx1
    assert repr(s) == "<gpusched.Scheduler 'spread', 0 jobs, 8/8 GPUs free>"
    s.close()
    assert repr(s) == "<gpusched.Scheduler closed>"


def test_scheduler_needs_a_topology():
    with pytest.raises(TypeError):
        gpusched.Scheduler("dgx1-v100")


def test_many_jobs_and_check(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        now = 0
        running = []
        for i in range(200):
            s.submit(1 + i % 4, submit_time=now)
            for e in s.step(now):
                running.append(e.job)
            if len(running) > 2:
                s.complete(running.pop(0), now)
            now += 1
            s.check()
        assert len(s.jobs()) == 200


def test_ordering(dgx1):
    for ordering, winner in (("fifo", "low"), ("priority", "high")):
        with gpusched.Scheduler(dgx1, ordering=ordering) as s:
            first = s.submit(8, submit_time=0)
            s.step(0)
            jobs = {"low": s.submit(8, submit_time=1),
                    "high": s.submit(8, submit_time=2, priority=100)}
            assert s.step(3) == []
            s.complete(first, 4)
            assert [e.job for e in s.step(5)] == [jobs[winner]]
    with pytest.raises(gpusched.InvalidArgument, match="ordering"):
        gpusched.Scheduler(dgx1, ordering="random")


def test_later_spec_fields(dgx1):
    with gpusched.Scheduler(dgx1, ordering="fifo") as s:
        first = s.submit(8, submit_time=0)
        after = s.submit(1, depends_on=first, nice=5, preemptible=True,
                         submit_time=0)
        s.step(0)
        assert s.job(after).reason == PendingReason.DEPENDENCY
        s.complete(first, 1)
        assert [e.job for e in s.step(2)] == [after]


def test_last_error(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        assert s.last_error == ""
        with pytest.raises(gpusched.NotFoundError):
            s.cancel(5, 0)
        assert s.last_error == "no job 5"


def test_times_are_required_without_a_clock(dgx1):
    """No time defaults: leaving one out is a TypeError naming the
    argument and the way out (a clock), and changes nothing."""
    with gpusched.Scheduler(dgx1) as s:
        assert s.clock is None
        with pytest.raises(TypeError, match=r"submit\(\) needs submit_time="
                           r".*no clock.*clock=lambda: int\(time.time\(\)\)"):
            s.submit(2)
        assert len(s) == 0
        job = s.submit(2, submit_time=0)
        with pytest.raises(TypeError, match=r"step\(\) needs now="):
            s.step()
        assert s.job(job).pending
        s.step(0)
        for call, args in (("complete", (job,)), ("fail", (job,)),
                           ("cancel", (job,)), ("fail_gpu", (0,)),
                           ("update_usage", ())):
            with pytest.raises(TypeError, match=call + r"\(\) needs now="):
                getattr(s, call)(*args)
        assert s.job(job).running and s.free_gpus() == 6
        # preview does not depend on the submission time: it may be left out
        assert len(s.preview(2)) == 2
        # None is "left out", not time 0
        with pytest.raises(TypeError, match=r"complete\(\) needs now="):
            s.complete(job, None)


def test_a_clock_is_read_when_the_time_is_left_out(dgx1):
    reads = []
    times = iter([100, 160, 175])

    def clock():
        t = next(times)
        reads.append(t)
        return t

    with gpusched.Scheduler(dgx1, clock=clock) as s:
        assert s.clock is clock
        job = s.submit(2)                        # submit_time: 100
        assert s.job(job).submit_time == 100
        assert [(e.kind, e.job, e.time) for e in s.step()] == [
            (EventKind.STARTED, job, 160)]
        s.complete(job)                          # at 175
        info = s.job(job)
        assert (info.start_time, info.end_time) == (160, 175)
        assert reads == [100, 160, 175]
        # a time given explicitly is used as it is; the clock is not read
        other = s.submit(1, submit_time=200)
        assert s.job(other).submit_time == 200 and reads == [100, 160, 175]


def test_the_clock_is_checked(dgx1):
    with pytest.raises(TypeError, match="clock must be a function"):
        gpusched.Scheduler(dgx1, clock=5)
    with gpusched.Scheduler(dgx1, clock=lambda: 1.5) as s:
        with pytest.raises(TypeError, match=r"submit_time \(read from the "
                           r"scheduler's clock\) must be an integer, not "
                           r"float"):
            s.submit(1)
        assert len(s) == 0
    with gpusched.Scheduler(dgx1, clock=lambda: 2 ** 61) as s:
        with pytest.raises(gpusched.RangeError, match=r"now \(read from the "
                           r"scheduler's clock\) = 2305843009213693952 is "
                           r"out of range"):
            s.step()
