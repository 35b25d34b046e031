"""Durable state and the scheduler's memory: snapshots (save, snapshot,
restore), the journal (Scheduler.open, checkpoint, sync, journal_seq),
the event queue (events, next_event, consume_events), the retention of
ended jobs (set_retention, on_forget) and the clock (clock_time, times
that never go backwards). Expected values are worked out in the comments
from the scenario, not read from the library."""

import ctypes
import gc
import os
import weakref

import pytest

import gpusched
from gpusched import EventKind, JobState, PendingReason, _lib
from gpusched._lib import lib

pytestmark = pytest.mark.usefixtures("no_leaked_handles")


def node_json(model="NVIDIA H100 80GB HBM3", gpus=8, name="n0"):
    """One node: ``gpus`` GPUs of ``model`` on one NVSwitch, so that every
    GPU set of a size is as good as another and first-fit placement takes
    the lowest free ids."""
    return ('{"gpusched": 1, "nodes": [{"name": "%s", '
            '"numa": [{"cpus": "0-63", "memory": "512GiB"}], '
            '"gpus": {"count": %d, "model": "%s", "memory": "80GiB", '
            '"cc": "9.0", "nvswitch_links": 18, "numa": 0}}]}'
            % (name, gpus, model))


@pytest.fixture
def h100():
    topo = gpusched.Topology.load("dgx-h100")
    yield topo
    topo.close()


def started(events):
    return [(ev.kind, ev.job, ev.time) for ev in events]


def fresh(topo, **kw):
    """first-fit placement, fifo order, no usage decay: allocations, order
    and usage by hand."""
    kw.setdefault("ordering", "fifo")
    s = gpusched.Scheduler(topo, placement="first-fit", **kw)
    s.configure('{"half_life": 0}')
    return s


def three_jobs(s):
    """A (2 GPUs, ann) and B (4 GPUs, bob) start at 10 on GPUs 0-1 and
    2-5 (first-fit); C (4 GPUs, cy) waits: 2 GPUs are free. A completes
    at 100; usage is brought up to 100. Returns the ids."""
    a = s.submit(2, user="ann", name="a", submit_time=0)
    b = s.submit(4, user="bob", name="b", submit_time=0, time_limit=3600)
    c = s.submit(4, user="cy", name="c", submit_time=5, priority=7)
    assert started(s.step(10)) == [(EventKind.STARTED, a, 10),
                                   (EventKind.STARTED, b, 10)]
    s.complete(a, 100)
    s.update_usage(100)
    return a, b, c


def expect_three_jobs(s, a, b, c):
    """The state three_jobs() leaves, as worked out there."""
    ja, jb, jc = s.job(a), s.job(b), s.job(c)
    assert (ja.state, ja.submit_time, ja.start_time, ja.end_time) == (
        JobState.COMPLETED, 0, 10, 100)
    assert (jb.state, jb.start_time, jb.end_time, jb.time_limit) == (
        JobState.RUNNING, 10, None, 3600)
    assert (jc.state, jc.reason, jc.submit_time, jc.priority) == (
        JobState.PENDING, PendingReason.RESOURCES, 5, 7)
    assert (ja.name, jb.user, jc.name) == ("a", "bob", "c")
    assert s.allocation(a).gpu_ids == (0, 1)       # what it held
    assert s.allocation(b).gpu_ids == (2, 3, 4, 5)
    assert s.allocation(c).gpu_ids == ()
    assert [s.gpu_job(g) for g in range(8)] == [None, None, b, b, b, b,
                                                None, None]
    assert s.free_gpus() == 4
    # usage, GPU-seconds without decay: ann 2 x (100 - 10), bob 4 x 90
    sh = s.share
    assert sh.usage("ann", "root", 100) == 180
    assert sh.usage("bob", "root", 100) == 360
    assert sh.usage("cy", "root", 100) == 0
    assert s.clock_time == 100
    assert s.events == []


def continue_three_jobs(s, a, b, c):
    """What happens next, the same for the original and the restored:
    at 200 C starts on the free GPUs 0, 1, 6, 7; bob has 4 x 190."""
    assert started(s.step(200)) == [(EventKind.STARTED, c, 200)]
    assert s.allocation(c).gpu_ids == (0, 1, 6, 7)
    s.update_usage(200)
    assert s.share.usage("bob", "root", 200) == 760
    assert s.share.usage("cy", "root", 200) == 0
    s.check()


# ---- snapshots --------------------------------------------------------------


def test_snapshot_round_trip(h100):
    with fresh(h100) as s:
        a, b, c = three_jobs(s)
        expect_three_jobs(s, a, b, c)
        data = s.snapshot()
        assert isinstance(data, bytes) and data.startswith(b"GSSTATE\n")
        assert s.snapshot() == data          # saving changes nothing
        with gpusched.Scheduler.restore(h100, data) as r:
            expect_three_jobs(r, a, b, c)
            assert r.journal_seq == s.journal_seq
            assert [j.id for j in r.jobs()] == [a, b, c]
            # the same state writes the same bytes
            assert r.snapshot() == data
            # and both go on alike; the id counter was saved too
            continue_three_jobs(r, a, b, c)
            assert r.submit(1, submit_time=200) == c + 1
        continue_three_jobs(s, a, b, c)


@pytest.mark.parametrize("ordering", ["multifactor", "fifo", "priority"])
@pytest.mark.parametrize("ended", [False, True])
def test_one_job_under_every_ordering(h100, ordering, ended):
    with gpusched.Scheduler(h100, ordering=ordering) as s:
        a = s.submit(1, submit_time=0)
        s.step(0)
        if ended:
            s.complete(a, 1)
        data = s.snapshot()
    with gpusched.Scheduler.restore(h100, data) as r:
        assert r.ordering == ordering
        job = r.job(a)
        assert (job.state, job.start_time, job.end_time) == (
            (JobState.COMPLETED, 0, 1) if ended else
            (JobState.RUNNING, 0, None))


def test_save_to_a_file_and_restore_from_a_path_or_a_file_object(
        h100, tmp_path):
    path = tmp_path / "sched.gss"
    with fresh(h100) as s:
        a, b, c = three_jobs(s)
        s.save(path)                          # os.PathLike
        assert sorted(os.listdir(tmp_path)) == ["sched.gss"]  # no temp left
        data = s.snapshot()
    assert path.read_bytes() == data
    with gpusched.Scheduler.restore(h100, str(path)) as r:
        expect_three_jobs(r, a, b, c)
    with open(path, "rb") as f, gpusched.Scheduler.restore(h100, f) as r:
        expect_three_jobs(r, a, b, c)
    with gpusched.Scheduler.restore(h100, memoryview(data)) as r:
        expect_three_jobs(r, a, b, c)
        r.save(path)                          # replaces the file whole
    assert path.read_bytes() == data


def test_restore_into_a_different_topology_names_the_difference(h100):
    with fresh(h100) as s:
        s.submit(2, submit_time=0)
        s.step(0)
        data = s.snapshot()
    # another node name
    with pytest.raises(gpusched.InconsistentError) as e:
        gpusched.Scheduler.restore(
            gpusched.Topology.from_json(node_json(name="other")), data)
    assert ('node 0 is "dgx-h100" in the snapshot but "other" in the '
            'topology given') in e.value.message
    assert isinstance(e.value, ValueError)
    # another GPU count
    with pytest.raises(gpusched.InconsistentError,
                       match='node "dgx-h100" has 8 GPUs in the snapshot '
                             'but 4 in the topology given'):
        gpusched.Scheduler.restore(gpusched.Topology.from_json(
            node_json(gpus=4, name="dgx-h100")), data)
    # two nodes instead of one
    two = gpusched.Topology.from_json(
        '{"nodes": [{"name": "h[1-2]", "template": "dgx-h100"}]}')
    with pytest.raises(gpusched.InconsistentError,
                       match="the snapshot's cluster has 1 nodes, the "
                             "topology given has 2"):
        gpusched.Scheduler.restore(two, data, name="nightly.gss")
    # the message uses the name given
    with pytest.raises(gpusched.InconsistentError, match="^nightly.gss: "):
        gpusched.Scheduler.restore(two, data, name="nightly.gss")


def test_restore_checks_the_gpu_models(tmp_path):
    a100 = gpusched.Topology.from_json(node_json("NVIDIA A100-SXM4-80GB"))
    h100 = gpusched.Topology.from_json(node_json("NVIDIA H100 80GB HBM3"))
    path = tmp_path / "a100.gss"
    with gpusched.Scheduler(a100) as s:
        s.save(path)
    with pytest.raises(gpusched.InconsistentError) as e:
        gpusched.Scheduler.restore(h100, path)
    assert e.value.message == (
        f'{path}: GPU 0 of node "n0" is a NVIDIA A100-SXM4-80GB in the '
        f'snapshot but a NVIDIA H100 80GB HBM3 in the topology given')


def test_damaged_snapshots_are_parse_errors(h100, tmp_path):
    with fresh(h100) as s:
        three_jobs(s)
        data = s.snapshot()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x40
    for bad, match in ((bytes(flipped), "checksum mismatch"),
                       (data[:-1], "truncated"),
                       (data + b"\0", "padded"),
                       (b"", "not a gpusched snapshot"),
                       (b"GSSTATE", "not a gpusched snapshot"),
                       (b"{\"gpusched\": 1}", "not a gpusched snapshot")):
        with pytest.raises(gpusched.ParseError, match=match) as e:
            gpusched.Scheduler.restore(h100, bad)
        assert e.value.message.startswith("<snapshot>: offset ")
        assert isinstance(e.value, ValueError)
    path = tmp_path / "damaged.gss"
    path.write_bytes(bytes(flipped))
    with pytest.raises(gpusched.ParseError, match=f"^{path}: offset"):
        gpusched.Scheduler.restore(h100, path)


def test_restore_errors(h100, tmp_path):
    with pytest.raises(gpusched.InputOutputError,
                       match="no-such.gss: No such file") as e:
        gpusched.Scheduler.restore(h100, tmp_path / "no-such.gss")
    assert isinstance(e.value, OSError)
    with pytest.raises(TypeError, match="source must be"):
        gpusched.Scheduler.restore(h100, 42)
    with pytest.raises(TypeError, match="topology must be"):
        gpusched.Scheduler.restore("dgx-h100", b"")
    with fresh(h100) as s:
        with pytest.raises(gpusched.InputOutputError,
                           match="cannot create: No such file"):
            s.save(tmp_path / "no-dir" / "x.gss")
        with pytest.raises(TypeError, match="path must be a path"):
            s.save(None)
    # a reader's exception is raised again, with the library's report as
    # its context
    class Broken:
        def read(self, n):
            raise RuntimeError("disk on fire")
    with pytest.raises(RuntimeError, match="disk on fire") as e:
        gpusched.Scheduler.restore(h100, Broken())
    assert isinstance(e.value.__context__, gpusched.Error)

    class Text:
        def read(self, n):
            return "GSSTATE"
    with pytest.raises(TypeError, match="binary mode"):
        gpusched.Scheduler.restore(h100, Text())


def test_restore_into_a_given_share(h100):
    share = gpusched.Share(half_life=0)
    share.add_user("ann", "root")
    share.add_user("bob", "root")
    share.add_user("cy", "root")
    with gpusched.Scheduler(h100, placement="first-fit", ordering="fifo",
                            share=share) as s:
        a, b, c = three_jobs(s)
        data = s.snapshot()
    share.close()
    # a tree with every saved user gets the saved usage
    tree = gpusched.Share(half_life=0)
    for user in ("ann", "bob", "cy"):
        tree.add_user(user, "root")
    with gpusched.Scheduler.restore(h100, data, share=tree) as r:
        assert r.share.usage("bob", "root", 100) == 360
        assert tree.usage("ann", "root", 100) == 180
        expect_three_jobs(r, a, b, c)
    tree.close()
    # one that lacks a saved user is refused, naming it
    small = gpusched.Share()
    small.add_user("ann", "root")
    with pytest.raises(gpusched.InconsistentError) as e:
        gpusched.Scheduler.restore(h100, data, share=small)
    assert e.value.message == ('<snapshot>: the account tree given has no '
                               'user "bob" in account "root", which the '
                               'snapshot has')
    # named by the restore's name (a path names the file)
    with pytest.raises(gpusched.InconsistentError,
                       match='^state.gss: the account tree given has no '
                             'user "bob"'):
        gpusched.Scheduler.restore(h100, data, share=small,
                                   name="state.gss")
    small.close()


def test_restored_scheduler_keeps_its_topology_alive():
    topo = gpusched.Topology.load("dgx-h100")
    with gpusched.Scheduler(topo, placement="first-fit") as s:
        s.submit(3, submit_time=0)
        s.step(0)
        data = s.snapshot()
    del s
    r = gpusched.Scheduler.restore(topo, data, clock=lambda: 50)
    ref = weakref.ref(topo)
    topo.close()
    del topo
    gc.collect()
    assert ref() is not None                # the scheduler keeps it
    assert r.topology is ref()
    assert r.allocation(1).gpu_ids == (0, 1, 2)
    assert r.clock is not None and r.submit(1) == 2   # read: 50
    assert r.job(2).submit_time == 50
    assert r.placement == "first-fit"       # the saved policy
    assert repr(r) == "<gpusched.Scheduler 'first-fit', 2 jobs, 5/8 GPUs free>"
    r.close()
    del r
    gc.collect()
    assert ref() is None


# ---- the journal ------------------------------------------------------------


def test_open_journal_and_reopen_after_a_crash(h100, tmp_path):
    path = tmp_path / "sched.gss"
    s = gpusched.Scheduler.open(h100, path, placement="first-fit",
                                ordering="fifo")
    assert s.store_path == str(path)
    assert s.placement == "first-fit"
    assert sorted(os.listdir(tmp_path)) == ["sched.gss", "sched.gss.journal"]
    assert s.journal_seq == 0
    a = s.submit(2, user="ann", submit_time=0)            # call 1
    b = s.submit(8, user="bob", submit_time=1)            # call 2
    # call 3 the step, call 4 consuming the event it returned
    assert started(s.step(5)) == [(EventKind.STARTED, a, 5)]
    assert s.journal_seq == 4
    # the crash: no checkpoint, no close
    del s
    gc.collect()
    with gpusched.Scheduler.open(h100, path) as s:
        assert s.journal_seq == 4
        assert s.placement == "first-fit"         # the store's, saved
        assert [(j.id, j.state, j.start_time) for j in s.jobs()] == [
            (a, JobState.RUNNING, 5), (b, JobState.PENDING, None)]
        assert s.job(b).reason == PendingReason.RESOURCES
        assert s.allocation(a).gpu_ids == (0, 1)  # first-fit, kept
        assert s.clock_time == 5
        assert s.events == []                     # consumed before
        s.complete(a, 20)                         # call 5
        assert started(s.step(20)) == [(EventKind.STARTED, b, 20)]  # 6, 7
    # closed without a checkpoint: the journal has it all
    with gpusched.Scheduler.open(h100, path, sync="never") as s:
        assert s.journal_seq == 7
        assert s.job(a).end_time == 20
        assert s.allocation(b).gpu_ids == tuple(range(8))
        s.checkpoint()                            # not a call: seq stays
        assert s.journal_seq == 7
        s.sync()
    with gpusched.Scheduler.open(h100, path, sync="every",
                                 sync_every=2) as s:
        assert s.journal_seq == 7
        assert s.job(b).running and s.free_gpus() == 0


def test_a_killed_process_loses_nothing_acknowledged(h100, tmp_path):
    """A child process opens the store, submits and steps, prints what it
    was told, and dies at once (os._exit: no close, no finalizer, no
    destroy). Reopened here, the store holds every call it made."""
    import subprocess
    import sys
    path = tmp_path / "s.gss"
    code = (
        "import os, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "import gpusched\n"
        "topo = gpusched.Topology.load('dgx-h100')\n"
        "s = gpusched.Scheduler.open(topo, sys.argv[2], "
        "placement='first-fit', ordering='fifo', sync=sys.argv[3])\n"
        "a = s.submit(3, user='ann', submit_time=0)\n"
        "b = s.submit(6, user='bob', submit_time=1)\n"
        "print([ev.job for ev in s.step(2)], flush=True)\n"
        "s.complete(a, 9)\n"
        "os._exit(0)\n")
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for sync in ("always", "never"):
        if path.exists():
            path.unlink()
            os.unlink(f"{path}.journal")
        out = subprocess.run([sys.executable, "-c", code, here, str(path),
                              sync], capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout == "[1]\n"           # a (3 GPUs) started at 2
        with gpusched.Scheduler.open(h100, path) as s:
            # submit, submit, step, consume, complete
            assert s.journal_seq == 5
            a, b = s.job(1), s.job(2)
            assert (a.state, a.start_time, a.end_time) == (
                JobState.COMPLETED, 2, 9)
            assert (b.state, b.reason) == (JobState.PENDING,
                                           PendingReason.RESOURCES)
            assert s.allocation(1).gpu_ids == (0, 1, 2)
            assert s.clock_time == 9 and s.events == []


def test_checkpoint_compacts_and_the_snapshot_alone_restores(h100, tmp_path):
    path = tmp_path / "s.gss"
    with gpusched.Scheduler.open(h100, path, placement="first-fit") as s:
        for t in range(20):
            s.submit(1, submit_time=t)
            s.step(t)
    # (sizes of closed files: an open journal may hold room to grow)
    long_journal = os.path.getsize(f"{path}.journal")
    with gpusched.Scheduler.open(h100, path) as s:
        s.checkpoint()
        data = s.snapshot()
    assert os.path.getsize(f"{path}.journal") < long_journal
    # after a checkpoint the snapshot file is the whole state
    assert path.read_bytes() == data
    with gpusched.Scheduler.restore(h100, path) as r:
        assert len(r) == 20 and r.free_gpus() == 0
        # one job started per step on the next free GPU until the 8th...
        assert r.allocation(8).gpu_ids == (7,)
        assert r.job(8).start_time == 7
        # ... the others wait
        assert [j.id for j in r.jobs("pending")] == list(range(9, 21))


def test_a_torn_last_record_is_dropped_and_reported(h100, tmp_path):
    path = tmp_path / "s.gss"
    with gpusched.Scheduler.open(h100, path) as s:
        s.submit(1, submit_time=0)
    # closed, the journal is cut to its records: the next one starts here
    before = os.path.getsize(f"{path}.journal")
    with gpusched.Scheduler.open(h100, path) as s:
        s.submit(1, submit_time=0)
    # the second submit's record, cut short by a crash
    with open(f"{path}.journal", "r+b") as f:
        f.truncate(os.path.getsize(f"{path}.journal") - 3)
    told = []
    with gpusched.Scheduler.open(h100, path, on_warning=told.append) as s:
        assert len(s) == 1 and s.journal_seq == 1   # the torn call is gone
    (message,) = told
    assert message.startswith(f"{path}.journal: offset {before}: ")
    assert "dropped" in message
    # reopening is clean now (the tail was cut off)...
    with gpusched.Scheduler.open(h100, path, on_warning=told.append) as s:
        assert len(s) == 1
    assert len(told) == 1
    # ... without on_warning it is a Python warning
    with open(f"{path}.journal", "ab") as f:
        f.write(b"\x01")
    with pytest.warns(RuntimeWarning, match="dropped"):
        gpusched.Scheduler.open(h100, path).close()
    # ... and an exception from on_warning is raised by open(), which
    # then opens nothing
    with open(f"{path}.journal", "ab") as f:
        f.write(b"\x01")

    def stop(message):
        raise RuntimeError("refusing to run on a damaged journal")
    with pytest.raises(RuntimeError, match="refusing"):
        gpusched.Scheduler.open(h100, path, on_warning=stop)


def test_new_store_settings_apply_once(h100, tmp_path):
    path = tmp_path / "s.gss"
    with gpusched.Scheduler.open(h100, path, ordering="fifo",
                                 keep_seconds=None) as s:
        assert s.ordering == "fifo"
        a = s.submit(8, submit_time=0)
        s.step(0)
        s.complete(a, 1)
        s.step(10 ** 6)                     # kept forever: no retention
        assert s.job(a).state == JobState.COMPLETED
    # reopened: the snapshot's settings win over the keywords
    with gpusched.Scheduler.open(h100, path, ordering="priority",
                                 keep_seconds=0) as s:
        assert s.ordering == "fifo"
        s.step(10 ** 6 + 1)
        assert s.job(a).state == JobState.COMPLETED


def test_open_errors(h100, tmp_path):
    path = tmp_path / "s.gss"
    with pytest.raises(TypeError, match="unexpected keyword argument "
                                        "'bogus'"):
        gpusched.Scheduler.open(h100, path, bogus=1)
    with pytest.raises(gpusched.InvalidArgument, match="sync 'sometimes'"):
        gpusched.Scheduler.open(h100, path, sync="sometimes")
    with pytest.raises(gpusched.RangeError, match="sync_every = 0"):
        gpusched.Scheduler.open(h100, path, sync_every=0)
    with pytest.raises(TypeError, match="on_warning must be callable"):
        gpusched.Scheduler.open(h100, path, on_warning="print")
    assert os.listdir(tmp_path) == []           # nothing was created
    with gpusched.Scheduler.open(h100, path) as s:
        s.submit(1, submit_time=0)
    other = gpusched.Topology.from_json(node_json(name="other"))
    with pytest.raises(gpusched.InconsistentError, match="other"):
        gpusched.Scheduler.open(other, path)
    # a damaged snapshot opens nothing
    data = path.read_bytes()
    path.write_bytes(data[:-1])
    with pytest.raises(gpusched.ParseError, match=f"^{path}: offset"):
        gpusched.Scheduler.open(h100, path)
    # no journal without open()
    with gpusched.Scheduler(h100) as s:
        for call in (s.checkpoint, s.sync):
            with pytest.raises(gpusched.StateError, match="not opened with "
                                                          "Scheduler.open"):
                call()
        assert s.store_path is None
        s.submit(1, submit_time=0)
        assert s.journal_seq == 1               # counted all the same


def test_opened_scheduler_keeps_its_topology_and_share_alive(tmp_path):
    topo = gpusched.Topology.load("dgx-h100")
    share = gpusched.Share(half_life=0)
    share.add_user("u", "root")
    s = gpusched.Scheduler.open(topo, tmp_path / "s.gss", share=share,
                                placement="first-fit")
    ref = weakref.ref(topo)
    del topo
    share.close()
    gc.collect()
    assert ref() is not None
    j = s.submit(2, user="u", submit_time=0)
    s.step(0)
    s.complete(j, 10)
    assert s.share.usage("u", "root", 10) == 20   # 2 GPUs x 10 s
    s.close()
    del s
    gc.collect()
    assert ref() is None


def break_the_journal(path):
    """Make the journal's writes fail from now on: its descriptor (this
    process opened it) is pointed at /dev/full, where fsync and write
    fail."""
    journal = os.path.realpath(f"{path}.journal")
    (fd,) = [int(fd) for fd in os.listdir("/proc/self/fd")
             if os.path.realpath(f"/proc/self/fd/{fd}") == journal]
    full = os.open("/dev/full", os.O_WRONLY)
    os.dup2(full, fd)
    os.close(full)


def test_a_journal_write_failure_refuses_changes_until_a_checkpoint(
        h100, tmp_path):
    path = tmp_path / "s.gss"
    s = gpusched.Scheduler.open(h100, path, placement="first-fit",
                                sync="always")
    a = s.submit(2, submit_time=0)
    break_the_journal(path)             # the next fsync fails
    with pytest.raises(gpusched.InputOutputError,
                       match="could not be recorded") as e:
        s.step(5)
    assert isinstance(e.value, OSError)
    # the step happened: its event waits in the queue, not lost
    assert s.job(a).running
    assert started(s.events) == [(EventKind.STARTED, a, 5)]
    for change in (lambda: s.submit(1, submit_time=5),
                   lambda: s.consume_events(1), lambda: s.step(6)):
        with pytest.raises(gpusched.InputOutputError):
            change()
    assert len(s) == 1
    s.checkpoint()                      # a new snapshot and journal
    assert started(s.step(6)) == [(EventKind.STARTED, a, 5)]
    s.close()
    with gpusched.Scheduler.open(h100, path) as s:
        assert s.job(a).start_time == 5 and s.events == []


def test_events_whose_consumption_failed_come_with_the_error(
        h100, monkeypatch):
    from gpusched import scheduler

    def refuse(p, n):
        raise gpusched.InputOutputError("the journal failed a write")
    with fresh(h100) as s:
        a = s.submit(1, submit_time=0)
        monkeypatch.setattr(scheduler.lib, "gs_sched_events_consume", refuse)
        with pytest.raises(gpusched.InputOutputError) as e:
            s.step(3)
        assert started(e.value.events) == [(EventKind.STARTED, a, 3)]


# ---- the event queue --------------------------------------------------------


def raw(s, name, *args):
    """Call the C function ``name`` on the scheduler: events it makes stay
    queued (the binding's step() and fail_gpu() consume theirs)."""
    with s._use() as p:
        return getattr(lib, name)(p, *args)


def queue_five_events(s):
    """On 8 GPUs, first-fit: A and B (4 GPUs each) start at 0 on 0-3 and
    4-7; GPU 1 fails at 5 (A fails), GPU 6 at 6 (B fails); at 7 C (4
    GPUs) starts on the first good free ones, 0 2 3 4. Nothing consumed:
    five events, in order."""
    a, b, c = (s.submit(4, submit_time=0) for _ in range(3))
    raw(s, "gs_sched_step", 0, None)
    raw(s, "gs_sched_fail_gpu", 1, 5, None)
    raw(s, "gs_sched_fail_gpu", 6, 6, None)
    raw(s, "gs_sched_step", 7, None)
    assert s.allocation(c).gpu_ids == (0, 2, 3, 4)
    return a, b, c, [(EventKind.STARTED, a, 0), (EventKind.STARTED, b, 0),
                     (EventKind.FAILED, a, 5), (EventKind.FAILED, b, 6),
                     (EventKind.STARTED, c, 7)]


def test_events_queue_until_consumed(h100):
    with fresh(h100) as s:
        assert s.events == [] and s.next_event() is None
        a, b, c, five = queue_five_events(s)
        # a later call does not replace them, and looking takes nothing
        assert started(s.events) == five
        assert started(s.events) == five
        assert raw(s, "gs_sched_event_count") == 5
        # next_event() takes the oldest
        ev = s.next_event()
        assert (ev.kind, ev.job, ev.time) == five[0]
        assert started(s.events) == five[1:]
        # consume_events(n) takes the n oldest
        s.consume_events(2)
        assert started(s.events) == five[3:]
        with pytest.raises(gpusched.InvalidArgument,
                           match="consume 3 events: the queue holds 2"):
            s.consume_events(3)
        with pytest.raises(gpusched.RangeError, match="n = -1"):
            s.consume_events(-1)
        assert started(s.events) == five[3:]     # nothing taken
        s.consume_events(0)
        assert started([s.next_event(), s.next_event()]) == five[3:]
        assert s.next_event() is None and s.events == []
        # the library says why it had none to give
        with pytest.raises(gpusched.NotFoundError) as e:
            raw(s, "gs_sched_next_event", ctypes.byref(
                _lib.out_struct(_lib.EventC)))
        assert e.value.message == "the event queue is empty"


def test_step_returns_and_consumes_what_is_queued(h100):
    with fresh(h100) as s:
        a, b, c, five = queue_five_events(s)
        s.repair_gpu(1)
        d = s.submit(1, submit_time=7)
        # what was queued, then this step's start of D on GPU 1
        assert started(s.step(8)) == five + [(EventKind.STARTED, d, 8)]
        assert s.events == []
        assert s.allocation(d).gpu_ids == (1,)
        # fail_gpu() reports its FAILED event by its result and consumes
        # it...
        assert s.fail_gpu(1, 9) == d and s.events == []
        # ... unless older events wait: it then stays behind them
        e = s.submit(2, submit_time=9)
        raw(s, "gs_sched_step", 9, None)      # E starts on 5, 7: queued
        assert s.allocation(e).gpu_ids == (5, 7)
        assert s.fail_gpu(7, 10) == e
        assert started(s.events) == [(EventKind.STARTED, e, 9),
                                     (EventKind.FAILED, e, 10)]
        assert started(s.step(11)) == [(EventKind.STARTED, e, 9),
                                       (EventKind.FAILED, e, 10)]


def test_queued_events_are_saved(h100, tmp_path):
    with fresh(h100) as s:
        a, b, c, five = queue_five_events(s)
        s.next_event()
        data = s.snapshot()
    with gpusched.Scheduler.restore(h100, data) as r:
        assert started(r.events) == five[1:]
    path = tmp_path / "s.gss"
    with gpusched.Scheduler.open(h100, path, placement="first-fit",
                                 ordering="fifo") as s:
        a, b, c, five = queue_five_events(s)
        s.consume_events(3)                     # journaled too
    with gpusched.Scheduler.open(h100, path) as s:
        assert started(s.events) == five[3:]


# ---- retention of ended jobs ---------------------------------------------


def test_keep_seconds_0_forgets_at_the_next_step(h100):
    forgotten = []
    with fresh(h100, keep_seconds=0) as s:
        s.on_forget(forgotten.append)
        a = s.submit(2, name="train", user="ann", submit_time=3,
                     time_limit=600)
        b = s.submit(6, submit_time=3)
        assert started(s.step(10)) == [(EventKind.STARTED, a, 10),
                                       (EventKind.STARTED, b, 10)]
        s.complete(a, 70)
        assert s.job(a).state == JobState.COMPLETED   # kept until a step
        assert forgotten == []
        assert s.step(70) == []                 # ended 0 s ago: 0 >= 0
        with pytest.raises(gpusched.NotFoundError, match="no job 1 .*"
                                                         "forgotten"):
            s.job(a)
        with pytest.raises(gpusched.NotFoundError):
            s.allocation(a)
        with pytest.raises(gpusched.NotFoundError):
            s.priority(a)
        assert [j.id for j in s.jobs()] == [b] and len(s) == 1
        # the callback had its final record
        (job,) = forgotten
        assert isinstance(job, gpusched.Job)
        assert (job.id, job.state, job.name, job.user, job.gpus) == (
            a, JobState.COMPLETED, "train", "ann", 2)
        assert (job.submit_time, job.start_time, job.end_time,
                job.time_limit) == (3, 10, 70, 600)
        # usage was charged when it ended: 2 GPUs x 60 s
        assert s.share.usage("ann", "root", 70) == 120
        # ids are not reused
        assert s.submit(1, submit_time=70) == b + 1


def test_default_retention_is_300_seconds(h100):
    with fresh(h100) as s:
        a = s.submit(1, submit_time=0)
        s.step(0)
        s.cancel(a, 100)
        s.step(399)                             # 299 s after: kept
        assert s.job(a).state == JobState.CANCELLED
        s.step(400)                             # 300 s: forgotten
        with pytest.raises(gpusched.NotFoundError):
            s.job(a)


def test_keep_count_forgets_the_earliest_ended(h100):
    with fresh(h100) as s:
        s.set_retention(None, 1)                # no time limit, one job
        a, b, c = (s.submit(1, submit_time=0) for _ in range(3))
        s.step(0)
        s.complete(b, 5)                        # ended first
        s.complete(a, 6)
        s.step(7)                               # two ended: b goes
        assert [j.id for j in s.jobs()] == [a, c]
        s.set_retention(None, None)             # forever
        s.complete(c, 8)
        s.step(10 ** 9)
        assert [j.id for j in s.jobs()] == [a, c]
        for bad, match in (((-1, 5), "keep_seconds = -1"),
                           ((2 ** 60 + 1, 5), "keep_seconds"),
                           ((0, -1), "keep_count = -1")):
            with pytest.raises(gpusched.RangeError, match=match):
                s.set_retention(*bad)
        with pytest.raises(TypeError, match="keep_seconds"):
            s.set_retention(1.5, 1)
        with pytest.raises(TypeError):
            s.set_retention(0)                  # both are required
        with pytest.raises(gpusched.RangeError, match="keep_count"):
            gpusched.Scheduler(h100, keep_count=-5)


def test_kept_while_an_event_or_a_dependent_needs_it(h100):
    forgotten = []
    with fresh(h100, keep_seconds=0) as s:
        s.on_forget(lambda job: forgotten.append(job.id))
        a, b, c, five = queue_five_events(s)
        # a and b failed, but their events are queued: kept (raw steps:
        # the binding's step() would return and consume the queue)
        raw(s, "gs_sched_step", 20, None)
        assert [j.id for j in s.jobs()] == [a, b, c]
        s.consume_events(3)                     # a's events are read
        raw(s, "gs_sched_step", 21, None)
        assert forgotten == [a]
        assert [j.id for j in s.jobs()] == [b, c]
        s.consume_events(2)
        # d depends on c: c is kept after it ends, until d ends
        d = s.submit(1, submit_time=21, depends_on=c)
        s.complete(c, 22)
        s.step(22)                              # b goes, d starts
        assert forgotten == [a, b]
        assert s.job(c).state == JobState.COMPLETED
        s.complete(d, 23)
        s.step(23)
        assert forgotten == [a, b, c, d]
        assert s.jobs() == []


def test_on_forget_exceptions_are_raised_after_the_step(h100):
    with fresh(h100, keep_seconds=0) as s:
        seen = []

        def hook(job):
            seen.append(job.id)
            raise RuntimeError(f"accounting down for job {job.id}")

        s.on_forget(hook)
        a, b = s.submit(1, submit_time=0), s.submit(1, submit_time=0)
        s.step(0)
        s.complete(a, 1)
        s.complete(b, 1)
        c = s.submit(1, submit_time=1)
        with pytest.raises(RuntimeError, match="accounting down for job 1"):
            s.step(2)
        # the step completed: both forgotten, c started, its event queued
        assert seen == [a, b]
        assert [j.id for j in s.jobs()] == [c] and s.job(c).running
        assert started(s.events) == [(EventKind.STARTED, c, 2)]
        s.consume_events(1)
        # the callback must not call the scheduler
        s.on_forget(lambda job: s.job(job.id))
        s.complete(c, 3)
        with pytest.raises(gpusched.StateError, match="must not"):
            s.step(3)
        with pytest.raises(TypeError, match="callable"):
            s.on_forget(42)
        s.on_forget(None)                       # no callback
        d = s.submit(1, submit_time=3)
        s.step(3)
        s.complete(d, 4)
        s.step(4)
        assert s.jobs() == []


def test_retention_is_saved_but_not_the_callback(h100):
    with fresh(h100, keep_seconds=0) as s:
        s.on_forget(lambda job: None)
        a = s.submit(1, submit_time=0)
        s.step(0)
        s.complete(a, 1)
        data = s.snapshot()
    with gpusched.Scheduler.restore(h100, data) as r:
        assert r.job(a).state == JobState.COMPLETED
        r.step(1)                               # keep_seconds 0 came back
        with pytest.raises(gpusched.NotFoundError):
            r.job(a)


def test_settings_are_reported_after_restore_and_reopen(h100, tmp_path):
    """placement, fairshare and retention come back from a snapshot and a
    journal (the constructor's or open()'s keywords are not what is
    reported: the library is asked)."""
    with gpusched.Scheduler(h100) as s:          # the library's defaults
        assert (s.placement, s.ordering, s.fairshare) == (
            "nvlink-pack", "multifactor", "fair-tree")
        assert s.retention == (300, 10000)
    with gpusched.Scheduler(h100, placement="spread", fairshare="classic",
                            keep_seconds=60, keep_count=None) as s:
        assert (s.placement, s.fairshare, s.retention) == (
            "spread", "classic", (60, None))
        data = s.snapshot()
    with gpusched.Scheduler.restore(h100, data) as r:
        assert (r.placement, r.ordering, r.fairshare, r.retention) == (
            "spread", "multifactor", "classic", (60, None))
        r.set_retention(None, 5)
        r.set_fairshare("fair-tree")
        assert (r.fairshare, r.retention) == ("fair-tree", (None, 5))
        data = r.snapshot()
    with gpusched.Scheduler.restore(h100, data) as r:
        assert (r.placement, r.fairshare, r.retention) == (
            "spread", "fair-tree", (None, 5))
        # the largest finite values are not "forever"
        r.set_retention(2 ** 60, 2 ** 63 - 2)
        assert r.retention == (2 ** 60, 2 ** 63 - 2)
    # a durable scheduler: the new store's settings, then journaled changes
    path = tmp_path / "s.gss"
    s = gpusched.Scheduler.open(h100, path, placement="best-fit",
                                fairshare="classic", keep_seconds=None,
                                keep_count=7)
    assert (s.placement, s.fairshare, s.retention) == (
        "best-fit", "classic", (None, 7))
    s.set_retention(120, 50)                    # journaled
    s.set_fairshare("fair-tree")                # journaled
    del s                                       # a crash: no checkpoint
    gc.collect()
    # reopened with other keywords: the store's settings win
    with gpusched.Scheduler.open(h100, path, placement="spread",
                                 fairshare="classic",
                                 keep_seconds=1) as s:
        assert (s.placement, s.fairshare, s.retention) == (
            "best-fit", "fair-tree", (120, 50))
    s = gpusched.Scheduler(h100)
    s.close()
    for prop in ("placement", "fairshare", "retention"):
        with pytest.raises(gpusched.ClosedError):
            getattr(s, prop)


# ---- the clock ------------------------------------------------------------------


def test_times_never_go_backwards(h100):
    with fresh(h100) as s:
        assert s.clock_time is None
        job = s.submit(2, submit_time=0)
        assert s.clock_time is None             # a submission is no clock
        s.step(now=10)
        assert s.clock_time == 10
        with pytest.raises(gpusched.InvalidArgument) as e:
            s.complete(job, now=5)
        assert "now = 5 is earlier than 10" in e.value.message
        assert s.job(job).running               # nothing changed
        for call in (lambda: s.step(9), lambda: s.fail(job, 9),
                     lambda: s.cancel(job, 9), lambda: s.fail_gpu(0, 9),
                     lambda: s.update_usage(9)):
            with pytest.raises(gpusched.InvalidArgument,
                               match="now = 9 is earlier than 10"):
                call()
        with pytest.raises(gpusched.InvalidArgument,
                           match="submit_time 9 is earlier than 10"):
            s.submit(1, submit_time=9)
        assert len(s) == 1 and s.clock_time == 10
        s.complete(job, now=10)                 # the same time is fine
        assert s.job(job).end_time == 10
        # preview needs no submission time, whatever the clock
        assert s.preview(8) == list(range(8))


def test_a_later_submission_time_waits_for_it(h100):
    with fresh(h100) as s:
        job = s.submit(1, submit_time=100)
        assert s.step(50) == []
        assert s.job(job).reason == PendingReason.BEGIN_TIME
        assert s.pending_reason(job)[0] == "begin-time"
        assert started(s.step(100)) == [(EventKind.STARTED, job, 100)]


def test_clock_time_is_saved_and_journaled(h100, tmp_path):
    path = tmp_path / "s.gss"
    with gpusched.Scheduler.open(h100, path) as s:
        s.update_usage(1234)
    with gpusched.Scheduler.open(h100, path) as s:
        assert s.clock_time == 1234
        with pytest.raises(gpusched.InvalidArgument, match="1233 is earlier"):
            s.step(1233)
        data = s.snapshot()
    with gpusched.Scheduler.restore(h100, data) as r:
        assert r.clock_time == 1234


def test_the_constructor_clock_meets_the_library_clock(h100):
    now = [100]
    with fresh(h100, clock=lambda: now[0]) as s:
        j = s.submit(1)
        s.step()
        assert s.clock_time == 100
        now[0] = 90                             # a clock that went back
        with pytest.raises(gpusched.InvalidArgument,
                           match="now = 90 is earlier than 100"):
            s.complete(j)
        now[0] = 130
        s.complete(j)
        assert s.job(j).end_time == 130


def test_raw_prototypes_are_declared():
    for name in ("gs_sched_events_consume", "gs_sched_next_event",
                 "gs_sched_clock", "gs_sched_set_retention",
                 "gs_sched_set_forget_hook", "gs_sched_save",
                 "gs_sched_save_file", "gs_sched_restore",
                 "gs_sched_restore_buffer", "gs_sched_restore_file",
                 "gs_sched_open", "gs_sched_checkpoint", "gs_sched_sync",
                 "gs_sched_journal_seq", "gs_sched_retention",
                 "gs_sched_placement", "gs_sched_fairshare",
                 "gs_restore_options_init", "gs_store_config_init"):
        assert lib.has(name), name
    assert _lib.KEEP_FOREVER == 2 ** 63 - 1
    assert gpusched.SyncPolicy.parse("every", "sync") is \
        gpusched.SyncPolicy.EVERY_N
    assert str(gpusched.SyncPolicy.NEVER) == "never"
