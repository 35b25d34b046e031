"""Handle lifetimes: close, with, use after close, collection order."""

import gc
import os
import subprocess
import sys
import textwrap
import threading
import weakref

import pytest

import gpusched
from gpusched import _lib


pytestmark = pytest.mark.usefixtures("no_leaked_handles")


def test_scheduler_outlives_its_topology_object():
    topo = gpusched.Topology.load("dgx1-v100")
    sched = gpusched.Scheduler(topo)
    ref = weakref.ref(topo)
    del topo
    gc.collect()
    assert ref() is not None  # the scheduler keeps its Topology object
    job = sched.submit(2, submit_time=0)
    sched.step(0)
    assert sched.allocation(job).nodes[0].name == "dgx1-v100"
    sched.close()
    del sched
    gc.collect()
    assert ref() is None


def test_closing_the_topology_first_keeps_the_c_topology_alive():
    topo = gpusched.Topology.load("dgx1-v100")
    sched = gpusched.Scheduler(topo)
    n = _lib.live_handles()
    topo.close()
    assert topo.closed
    assert _lib.live_handles() == n  # still referenced by the scheduler
    with pytest.raises(gpusched.ClosedError):
        topo.node_names
    job = sched.submit(4, submit_time=0)
    sched.step(0)
    alloc = sched.allocation(job)
    assert alloc.gpu_ids == (0, 1, 2, 3)
    assert alloc.nodes[0].name == "dgx1-v100"
    sched.drain_node("dgx1-v100")
    sched.close()
    assert _lib.live_handles() == n - 2  # both released now


def test_double_close_and_with():
    with gpusched.Topology.load("dgx1-v100") as topo:
        with gpusched.Scheduler(topo) as sched:
            sched.submit(1, submit_time=0)
        assert sched.closed
        sched.close()
        sched.close()
    assert topo.closed
    topo.close()
    with pytest.raises(gpusched.ClosedError):
        with topo:
            pass
    assert repr(topo) == "<gpusched.Topology closed>"


TOPO_CALLS = [
    ("freeze", ()), ("add_node", ("x",)), ("add_numa", (0,)),
    ("add_gpu", (0,)), ("set_link", (0, 0, 1)), ("set_bandwidths", ()),
    ("add_switch", ("s",)), ("set_switch_parent", (0, 1)),
    ("attach_node", (0, 0)), ("add_nvlink_domain", ("d",)),
    ("set_node_domain", (0, 0)), ("find_node", ("x",)), ("node", (0,)),
    ("gpu_id", (0, 0)), ("gpu_node", (0,)), ("find_gpu", ("u",)),
    ("gpu", (0,)), ("link", (0, 1)), ("bandwidth", (0, 1)),
    ("quality", ([0],)), ("matrix", ()), ("local_cpulist", (0,)),
    ("local_cpus", (0,)), ("common_switch", (0, 0)), ("to_json", ()),
    ("save_json", ("/tmp/never-written.json",)),
]
TOPO_PROPS = ["frozen", "node_count", "gpu_count", "node_names", "nodes",
              "gpus", "switches", "nvlink_domains"]
SCHED_CALLS = [
    ("submit", (1,), {"submit_time": 0}),
    ("preview", (1,)), ("step", (0,)), ("complete", (1, 0)),
    ("fail", (1, 0)), ("cancel", (1, 0)), ("job", (1,)), ("jobs", ()),
    ("pending_reason", (1,)), ("allocation", (1,)),
    ("cuda_visible_devices", (1,)), ("drain_node", (0,)),
    ("resume_node", (0,)), ("drain_gpu", (0,)), ("resume_gpu", (0,)),
    ("fail_gpu", (0, 0)), ("repair_gpu", (0,)), ("free_gpus", ()),
    ("free_cpus", (0,)), ("free_memory", (0,)), ("gpu_job", (0,)),
    ("check", ()), ("next_event", ()), ("consume_events", (0,)),
    ("set_retention", (None, None)), ("on_forget", (None,)),
    ("save", ("/tmp/never-written.json",)), ("snapshot", ()),
    ("checkpoint", ()), ("sync", ()),
]
SCHED_PROPS = ["events", "last_error", "clock_time", "journal_seq"]


def test_use_after_close_raises_never_crashes():
    topo = gpusched.Topology.load("dgx1-v100")
    sched = gpusched.Scheduler(topo)
    sched.close()
    topo.close()
    for name, args in TOPO_CALLS:
        with pytest.raises(gpusched.ClosedError):
            getattr(topo, name)(*args)
    for name in TOPO_PROPS:
        with pytest.raises(gpusched.ClosedError):
            getattr(topo, name)
    with pytest.raises(gpusched.ClosedError):
        len(topo)
    for name, args, *kwargs in SCHED_CALLS:
        with pytest.raises(gpusched.ClosedError):
            getattr(sched, name)(*args, **(kwargs[0] if kwargs else {}))
    for name in SCHED_PROPS:
        with pytest.raises(gpusched.ClosedError):
            getattr(sched, name)
    with pytest.raises(gpusched.ClosedError):
        gpusched.Scheduler(topo)
    assert not os.path.exists("/tmp/never-written.json")


def test_returned_objects_outlive_their_handles(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        job = s.submit(2, submit_time=0)
        s.step(0)
        alloc = s.allocation(job)
        info = s.job(job)
    gpu = dgx1.gpu(0)
    dgx1.close()
    assert alloc.cuda_visible_devices() == "0,3"
    assert info.running and gpu.model.startswith("Tesla")


def test_collected_in_any_order_and_in_cycles():
    for order in range(3):
        topo = gpusched.Topology.load("dgx1-v100")
        scheds = [gpusched.Scheduler(topo) for _ in range(3)]
        for s in scheds:
            s.submit(2, submit_time=0)
            s.step(0)
        # reference cycles between the objects: the cyclic collector frees
        # them in an order of its own
        topo.cycle = scheds
        for s in scheds:
            s.cycle = topo
        if order == 1:
            scheds[0].close()
        if order == 2:
            topo.close()
        del topo, scheds, s
        gc.collect()


def test_exit_without_closing_is_clean(repo_dir):
    code = textwrap.dedent("""
        import sys
        sys.path.insert(0, sys.argv[1])
        import gpusched
        t = gpusched.Topology.load("dgx1-v100")
        s = gpusched.Scheduler(t)
        s.submit(2, submit_time=0); s.step(0)
        t2 = gpusched.Topology.template("dgx-h100")
        s2 = gpusched.Scheduler(t2)
        t2.cycle = s2; s2.cycle = t2
        del t
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code,
                          os.path.join(repo_dir, "python")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok" and out.stderr == ""


def test_close_from_another_thread_is_safe():
    topo = gpusched.Topology.load("dgx1-v100")
    sched = gpusched.Scheduler(topo)
    errors = []
    stop = threading.Event()

    def worker():
        while not stop.is_set():
            try:
                sched.preview(2)
                topo.quality([0, 1, 2, 3])
                topo.matrix()
            except gpusched.ClosedError:
                return
            except Exception as e:  # pragma: no cover
                errors.append(e)
                return

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    sched.close()
    topo.close()
    stop.set()
    for t in threads:
        t.join(10)
    assert errors == []


def test_pickled_topology_is_independent(dgx1):
    import pickle
    copy = pickle.loads(pickle.dumps(dgx1))
    dgx1.close()
    assert copy.gpu_count == 8
    copy.close()


def test_documented_threading_use():
    """The documented use: one frozen Topology shared by threads, a
    Scheduler (and its Share) per thread. Each thread's decisions are the
    ones a lone run makes, and every scheduler stays consistent."""
    topo = gpusched.Topology.load("gb200-nvl72")

    def run(seed, out):
        import random
        rng = random.Random(seed)
        with gpusched.Scheduler(topo, backfill="easy") as s:
            running = []
            for now in range(150):
                s.submit(rng.choice([1, 2, 4, 8]), time_limit=60,
                         user=f"u{rng.randrange(3)}", submit_time=now)
                for ev in s.step(now):
                    running.append(ev.job)
                if running and rng.random() < 0.5:
                    s.complete(running.pop(0), now)
                topo.quality(range(4))       # the shared topology, read
            s.check()
            out[seed] = [(j.id, j.state, s.allocation(j.id).gpu_ids)
                         for j in s.jobs()]

    alone = {}
    for seed in range(4):
        run(seed, alone)
    together = {}
    threads = [threading.Thread(target=run, args=(seed, together))
               for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert together == alone
    topo.close()
