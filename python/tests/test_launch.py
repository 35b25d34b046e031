"""examples/launch.py: concurrent launches sharing a state file (a gpusched
scheduler snapshot: a running job per launch holding GPUs, a pending job
per launch waiting in line)."""

import json
import os
import re
import stat
import signal
import subprocess
import sys
import time

import pytest

import gpusched

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LAUNCH = os.path.join(REPO, "examples", "launch.py")

# The command the launches run: records what it was given, then sleeps.
DUMMY = r"""
import json, os, sys, time
start = time.time()
out, secs = sys.argv[1], float(sys.argv[2])
time.sleep(secs)
rec = {"pid": os.getpid(), "cvd": os.environ.get("CUDA_VISIBLE_DEVICES"),
       "cpus": sorted(os.sched_getaffinity(0)), "start": start,
       "end": time.time()}
with open(out, "w") as f:
    json.dump(rec, f)
"""


@pytest.fixture
def env(tmp_path):
    e = dict(os.environ)
    e["PYTHONPATH"] = os.path.join(REPO, "python")
    return e


@pytest.fixture
def dummy(tmp_path):
    p = tmp_path / "dummy.py"
    p.write_text(DUMMY)
    return str(p)


@pytest.fixture
def state(tmp_path):
    return str(tmp_path / "state.json")


def launch(env, state, gpus, cmd, *opts, topo="dgx1-v100"):
    return subprocess.Popen(
        [sys.executable, LAUNCH, "--gpus", str(gpus), "--topo", topo,
         "--state", state, *opts, "--", *cmd],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


#: How launch.py names a launch's job: its launcher's pid and start time,
#: and the launch's id (its hold file's name).
NAME = re.compile(r"pid=(\d+) start=(-|\d+) launch=([A-Za-z0-9_-]+)")


def hold_file(state, launch):
    """The record of a launch's hold file (None: none, or being
    rewritten)."""
    try:
        with open(os.path.join(state + ".holds", launch)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read_state(state, topo="dgx1-v100"):
    """The launches in the state file, read as launch.py reads it: the
    snapshot restored on the topology. ``holds``: its running jobs (launch
    id, launcher pid, local GPUs, and the command's pid from the hold
    file); ``queue``: its pending jobs in line (GPUs asked)."""
    try:
        with open(state, "rb") as f:
            data = f.read()     # whole: the file is replaced by rename
    except FileNotFoundError:
        return {"holds": [], "queue": []}
    holds, queue = [], []
    t = gpusched.Topology.load(topo)
    try:
        with gpusched.Scheduler.restore(t, data) as s:
            for job in s.jobs():
                m = NAME.fullmatch(job.name)
                assert m, job.name
                entry = {"id": m.group(3), "pid": int(m.group(1)),
                         "job": job.id, "user": job.user}
                if job.running:
                    (node,) = s.allocation(job.id).nodes
                    entry["gpus"] = list(node.gpus)
                    entry["child"] = (hold_file(state, m.group(3)) or
                                      {}).get("child")
                    holds.append(entry)
                elif job.pending:
                    entry["gpus"] = job.gpus
                    queue.append(entry)
    finally:
        t.close()
    return {"holds": holds, "queue": queue}


def wait_for(pred, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


def finish(procs, timeout=60):
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=timeout)
        out.append((p.returncode, stdout, stderr))
    return out


def records(paths):
    recs = []
    for p in paths:
        with open(p) as f:
            recs.append(json.load(f))
    return recs


def overlaps(a, b):
    return a["start"] < b["end"] and b["start"] < a["end"]


def check_affinity(topo, rec):
    gpus = [int(g) for g in rec["cvd"].split(",")]
    local = set()
    for g in gpus:
        local.update(topo.local_cpus(g))
    allowed = os.sched_getaffinity(0) & local
    if allowed:
        assert set(rec["cpus"]) == allowed
    else:  # none of the GPUs' CPUs exist here: left alone
        assert set(rec["cpus"]) == os.sched_getaffinity(0)


def test_concurrent_launches_get_disjoint_nvlink_pairs(env, state, dummy,
                                                       tmp_path):
    topo = gpusched.Topology.load("dgx1-v100")
    outs = [str(tmp_path / f"run{i}.json") for i in range(4)]
    procs = [launch(env, state, 2, [sys.executable, dummy, o, "2"])
             for o in outs]
    results = finish(procs)
    for rc, _, err in results:
        assert rc == 0, err
    recs = records(outs)
    for i, a in enumerate(recs):
        gpus = [int(g) for g in a["cvd"].split(",")]
        assert len(gpus) == 2
        # an NVLink-best pair on a DGX-1: NV2, Q = 50 GB/s
        assert topo.quality(gpus) == 50.0
        check_affinity(topo, a)
        for b in recs[i + 1:]:
            if overlaps(a, b):
                assert not set(a["cvd"].split(",")) & set(b["cvd"].split(","))
    # all four ran at the same time on the 8 GPUs
    assert all(overlaps(a, b) for a in recs for b in recs)
    st = read_state(state)
    assert st["holds"] == [] and st["queue"] == []


def test_fifth_launch_waits_then_runs(env, state, dummy, tmp_path):
    outs = [str(tmp_path / f"run{i}.json") for i in range(4)]
    procs = [launch(env, state, 2, [sys.executable, dummy, o, "2.5"])
             for o in outs]
    assert wait_for(lambda: len(read_state(state)["holds"]) == 4)
    fifth_out = str(tmp_path / "fifth.json")
    fifth = launch(env, state, 2, [sys.executable, dummy, fifth_out, "0.2"],
                   "--wait", "--timeout", "60")
    assert wait_for(lambda: len(read_state(state)["queue"]) == 1)
    results = finish(procs + [fifth])
    for rc, _, err in results:
        assert rc == 0, err
    assert "waiting for 2 GPUs" in results[-1][2]
    first_four = records(outs)
    (rec,) = records([fifth_out])
    assert rec["start"] >= min(r["end"] for r in first_four) - 0.05
    for r in first_four:
        if overlaps(r, rec):
            assert not set(r["cvd"].split(",")) & set(rec["cvd"].split(","))
    st = read_state(state)
    assert st["holds"] == [] and st["queue"] == []


def test_full_machine_without_wait_exits_3(env, state, dummy, tmp_path):
    big = launch(env, state, 8, [sys.executable, dummy,
                                 str(tmp_path / "big.json"), "3"])
    assert wait_for(lambda: len(read_state(state)["holds"]) == 1)
    t0 = time.time()
    busy = launch(env, state, 1, ["true"])
    (rc, _, err), = finish([busy])
    assert rc == 3
    assert "not enough free GPUs" in err and "--wait" in err
    assert "held by pid" in err
    assert time.time() - t0 < 2.5  # it did not wait
    timed = launch(env, state, 2, ["true"], "--wait", "--timeout", "0.3")
    (rc, _, err), = finish([timed])
    assert rc == 3 and "gave up after 0.3 s" in err
    big.kill()  # SIGKILL: nothing released by the launcher itself...
    big.wait()
    # ...but its command holds on until it ends, then the entry is reclaimed
    ok = launch(env, state, 8, ["true"], "--wait", "--timeout", "30")
    (rc, _, err), = finish([ok])
    assert rc == 0, err
    assert "reclaimed GPUs 0,1,2,3,4,5,6,7" in err


def test_sigterm_releases_the_gpus(env, state, dummy, tmp_path):
    p = launch(env, state, 4, [sys.executable, "-c",
                               "import time; time.sleep(60)"])
    assert wait_for(lambda: any(h.get("child") for h in
                                read_state(state)["holds"]))
    (hold,) = read_state(state)["holds"]
    child = hold["child"]
    assert hold["pid"] == p.pid and len(hold["gpus"]) == 4
    p.send_signal(signal.SIGTERM)
    (rc, _, err), = finish([p])
    assert rc == 128 + signal.SIGTERM  # the command's status
    assert read_state(state)["holds"] == []
    assert wait_for(lambda: not os.path.exists(f"/proc/{child}"), 5)


def test_sigint_while_waiting_leaves_the_queue(env, state, dummy, tmp_path):
    big = launch(env, state, 8, [sys.executable, dummy,
                                 str(tmp_path / "big.json"), "2"])
    assert wait_for(lambda: len(read_state(state)["holds"]) == 1)
    waiter = launch(env, state, 2, ["true"], "--wait")
    assert wait_for(lambda: len(read_state(state)["queue"]) == 1)
    waiter.send_signal(signal.SIGINT)
    (rc, _, _), = finish([waiter])
    assert rc == 128 + signal.SIGINT
    assert read_state(state)["queue"] == []
    finish([big])


def test_dead_entries_are_reclaimed(env, state, tmp_path):
    """The JSON state of an earlier version (here version 1, without start
    times) is migrated; its launches are gone, so nothing is held."""
    gone = subprocess.Popen(["true"])
    gone.wait()
    with open(state, "w") as f:
        json.dump({"version": 1, "seq": 5, "queue": [
            {"id": "q", "pid": gone.pid, "pid_start": None, "gpus": 8,
             "seq": 1, "since": 0}],
            "holds": [{"id": "x", "pid": gone.pid, "pid_start": None,
                       "child": None, "child_start": None,
                       "gpus": list(range(8)), "node": "dgx1-v100",
                       "since": 0}]}, f)
    p = launch(env, state, 2, ["true"])
    (rc, _, err), = finish([p])
    assert rc == 0, err
    assert "rewritten as a gpusched snapshot" in err
    assert f"reclaimed GPUs 0,1,2,3,4,5,6,7 of pid {gone.pid} (gone)" in err
    with open(state, "rb") as f:
        assert f.read().startswith(b"GSSTATE\n")
    st = read_state(state)
    assert st["holds"] == [] and st["queue"] == []


def test_exit_status_and_errors(env, state, tmp_path):
    (rc, _, _), = finish([launch(env, state, 1,
                                 [sys.executable, "-c", "exit(7)"])])
    assert rc == 7
    (rc, _, err), = finish([launch(env, state, 9, ["true"])])
    assert rc == 2 and "can never" in err
    (rc, _, err), = finish([launch(env, state, 1, ["true"],
                                   topo=str(tmp_path / "none.json"))])
    assert rc == 2 and "--topo" in err
    (rc, _, err), = finish([launch(env, state, 1,
                                   [str(tmp_path / "no-such-program")])])
    assert rc == 127 and "cannot run" in err
    assert read_state(state)["holds"] == []
    # a template bigger than this machine: affinity limited to CPUs here
    out = str(tmp_path / "uuid.json")
    (rc, _, err), = finish([launch(env, state, 2, [
        sys.executable, "-c",
        "import os,sys; open(sys.argv[1],'w').write("
        "os.environ['CUDA_VISIBLE_DEVICES'])", out], "--uuids")])
    assert rc == 0, err
    assert open(out).read() == "0,3"  # no UUIDs in the template: indices


def test_without_topo_needs_one_on_a_machine_without_gpus(env, state):
    try:
        here = gpusched.Topology.load("hwloc")
    except gpusched.Error:
        here = None
    if here is not None and here.gpu_count:
        pytest.skip("this machine has GPUs")
    p = subprocess.run([sys.executable, LAUNCH, "--gpus", "1", "--state",
                        state, "--", "true"], env=env, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 2 and "--topo" in p.stderr


# ---- arguments -----------------------------------------------------------


def run_launch(env, *argv, timeout=60):
    return subprocess.run([sys.executable, LAUNCH, *argv], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_help_lists_every_option(env):
    p = run_launch(env, "--help")
    assert p.returncode == 0 and p.stderr == ""
    for opt in ("--gpus", "--topo", "--node", "--state", "--wait",
                "--timeout", "--poll", "--placement", "--uuids",
                "--no-affinity", "--quiet", "Example"):
        assert opt in p.stdout
    assert run_launch(env, "-h").stdout == p.stdout


@pytest.mark.parametrize("argv, what", [
    ([], "--gpus"),
    (["--gpus", "1"], "no command"),
    (["--gpus", "0", "--", "true"], "--gpus: 0 is out of range"),
    (["--gpus", "-1", "--", "true"], "--gpus"),
    (["--gpus", "4294967297", "--", "true"], "4294967297 is out of range"),
    (["--gpus", "1.5", "--", "true"], "not a whole number"),
    (["--gpus", "two", "--", "true"], "not a whole number"),
    (["--gpus", "1", "--wait", "--timeout", "nan", "--", "true"],
     "not a finite number"),
    (["--gpus", "1", "--wait", "--timeout", "inf", "--", "true"],
     "not a finite number"),
    (["--gpus", "1", "--wait", "--timeout", "-1", "--", "true"],
     "out of range"),
    (["--gpus", "1", "--wait", "--timeout", "1e300", "--", "true"],
     "out of range"),
    (["--gpus", "1", "--poll", "0", "--", "true"], "--poll"),
    (["--gpus", "1", "--poll", "1e400", "--", "true"], "--poll"),
    (["--gpus", "1", "--timeout", "5", "--", "true"], "--timeout needs"),
    (["--gpus", "1", "--frobnicate", "--", "true"], "unrecognized"),
])
def test_wrong_arguments_are_one_line_errors(env, state, argv, what):
    p = run_launch(env, "--state", state, *argv)
    assert p.returncode == 2
    assert what in p.stderr
    assert "Traceback" not in p.stderr
    assert not os.path.exists(state)


def test_unknown_placement_and_node(env, state):
    p = run_launch(env, "--gpus", "1", "--topo", "dgx1-v100", "--state",
                   state, "--placement", "fastest", "--", "true")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "--placement fastest: no such policy" in p.stderr
    p = run_launch(env, "--gpus", "1", "--topo", "dgx1-v100", "--state",
                   state, "--node", "elsewhere", "--", "true")
    assert p.returncode == 2 and "--node elsewhere" in p.stderr


# ---- a damaged state -----------------------------------------------------

# Commands that ignore SIGTERM (so the launcher's death does not end them)
# and record when they ran and on which GPUs.
STUBBORN = r"""
import json, os, signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
start = time.time()
out, secs = sys.argv[1], float(sys.argv[2])
open(out + ".started", "w").close()
time.sleep(secs)
rec = {"pid": os.getpid(), "cvd": os.environ.get("CUDA_VISIBLE_DEVICES"),
       "start": start, "end": time.time()}
with open(out + ".tmp", "w") as f:
    json.dump(rec, f)
os.replace(out + ".tmp", out)
"""


@pytest.fixture
def stubborn(tmp_path):
    p = tmp_path / "stubborn.py"
    p.write_text(STUBBORN)
    return str(p)


def child_of(state, pid):
    holds = [h for h in read_state(state)["holds"] if h["pid"] == pid]
    return holds[0].get("child") if holds else None


def stop(launcher, child):
    """End a launch whose command ignores SIGTERM: SIGKILL the command (by
    its pid), then the launcher releases and exits."""
    try:
        os.kill(child, signal.SIGKILL)
    except ProcessLookupError:
        pass
    launcher.wait(timeout=30)


def test_state_naming_a_directory(env, tmp_path):
    d = tmp_path / "dir"
    d.mkdir()
    p = run_launch(env, "--gpus", "1", "--topo", "dgx1-v100", "--state",
                   str(d), "--", "true")
    assert p.returncode == 2
    assert "is a directory" in p.stderr
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr


def test_state_naming_a_special_file(env, tmp_path):
    """A state path that is a FIFO (or a device such as /dev/null) is
    refused before anything is created: replacing the state by rename, as
    root, would replace the special file itself. (A FIFO in a temporary
    directory stands for the devices, which a failing test must not
    touch.)"""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    p = run_launch(env, "--gpus", "1", "--topo", "dgx1-v100", "--state",
                   str(fifo), "--", "true", timeout=30)
    assert p.returncode == 2
    assert "is not a regular file" in p.stderr
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(x.name for x in tmp_path.iterdir()) == ["fifo"]


@pytest.mark.parametrize("kind", ["fifo", "socket", "dir", "symlink"])
def test_special_entry_named_like_a_hold_is_ignored(env, state, tmp_path,
                                                    kind):
    """Anyone who can write to the state's directory can put a FIFO (which
    blocked open() forever), a socket, a directory or a symbolic link
    where a hold file would be: the launch ignores it with a warning,
    leaves it there and still runs."""
    first = run_launch(env, "--gpus", "1", "--topo", "dgx1-v100", "--state",
                       state, "--", "true")
    assert first.returncode == 0, first.stderr
    holds = state + ".holds"
    entry = os.path.join(holds, "0123456789abcdef0123456789abcdef")
    if kind == "fifo":
        os.mkfifo(entry)
    elif kind == "socket":
        import socket
        sock = socket.socket(socket.AF_UNIX)
        cwd = os.getcwd()
        os.chdir(holds)  # a socket's path is at most 107 bytes
        try:
            sock.bind(os.path.basename(entry))
        finally:
            os.chdir(cwd)
            sock.close()
    elif kind == "dir":
        os.mkdir(entry)
    else:
        target = tmp_path / "elsewhere"
        target.write_text("{}")
        os.symlink(target, entry)
    t0 = time.time()
    p = run_launch(env, "--gpus", "8", "--topo", "dgx1-v100", "--state",
                   state, "--", "true", timeout=30)
    assert time.time() - t0 < 20
    assert p.returncode == 0, p.stderr
    assert "not a regular file" in p.stderr and "ignored" in p.stderr
    assert os.path.lexists(entry)
    assert read_state(state)["holds"] == []


def test_special_lock_file_stops_the_launch(env, state):
    first = run_launch(env, "--gpus", "1", "--topo", "dgx1-v100", "--state",
                       state, "--", "true")
    assert first.returncode == 0, first.stderr
    lock = state + ".lock"
    os.unlink(lock)
    os.mkfifo(lock)
    p = run_launch(env, "--gpus", "1", "--topo", "dgx1-v100", "--state",
                   state, "--", "true", timeout=30)
    assert p.returncode == 2
    assert f"{lock} is a FIFO, not a regular file" in p.stderr
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert stat.S_ISFIFO(os.lstat(lock).st_mode)


def test_sigterm_while_waiting_ends_promptly(env, state, tmp_path):
    """A launch waiting in line ends soon after SIGTERM (not at its next
    poll), and leaves the line."""
    big = launch(env, state, 8, [sys.executable, "-c",
                                 "import time; time.sleep(30)"])
    assert wait_for(lambda: any(h.get("child") for h in
                                read_state(state)["holds"]))
    waiter = launch(env, state, 2, ["true"], "--wait", "--poll", "30")
    assert wait_for(lambda: len(read_state(state)["queue"]) == 1)
    t0 = time.time()
    waiter.send_signal(signal.SIGTERM)
    (rc, _, _), = finish([waiter])
    assert time.time() - t0 < 5
    assert rc == 128 + signal.SIGTERM
    assert read_state(state)["queue"] == []
    big.send_signal(signal.SIGTERM)
    finish([big])
    assert read_state(state)["holds"] == []


def foreign_snapshot():
    """A valid snapshot on the DGX-1 whose job is not a launch's."""
    topo = gpusched.Topology.load("dgx1-v100")
    try:
        with gpusched.Scheduler(topo, ordering="fifo", keep_seconds=0,
                                keep_count=0) as s:
            s.submit(1, name="someone else's job", submit_time=0)
            s.step(0)
            return s.snapshot()
    finally:
        topo.close()


SNAPSHOT = foreign_snapshot()
FLIPPED = bytearray(SNAPSHOT)
FLIPPED[len(FLIPPED) // 2] ^= 0x40

DAMAGES = {
    "snapshot cut short": SNAPSHOT[:-9],
    "snapshot with a byte changed": bytes(FLIPPED),
    "snapshot of jobs not launches'": SNAPSHOT,
    "garbage": b"this is not JSON",
    "empty": b"",
    "blank": b" \n\t\n",
    "binary": bytes(range(256)),
    "truncated": b'{"version": 2, "seq": 3, "holds": [{"id": "a", "pid"',
    "array": b"[]",
    "no holds": b'{"version": 2, "seq": 1, "queue": []}',
    "wrong version": b'{"version": 9, "seq": 1, "holds": [], "queue": []}',
    "pid too big": (b'{"version": 2, "seq": 1, "queue": [], "holds": [{"id":'
                    b' "a", "pid": 4294967297, "gpus": [0]}]}'),
    "pid a bool": (b'{"version": 2, "seq": 1, "queue": [], "holds": [{"id":'
                   b' "a", "pid": true, "gpus": [0]}]}'),
    "negative gpu": (b'{"version": 2, "seq": 1, "queue": [], "holds": [{"id":'
                     b' "a", "pid": 1, "gpus": [-1]}]}'),
    "infinite time": (b'{"version": 2, "seq": 1, "queue": [], "holds": [{"id":'
                      b' "a", "pid": 1, "gpus": [0], "since": 1e999}]}'),
    "seq NaN": b'{"version": 2, "seq": NaN, "holds": [], "queue": []}',
    "deep": b"[" * 100000,
}


def test_damaged_state_is_rebuilt_from_the_running_launches(
        env, state, stubborn, tmp_path):
    """A damaged state file never means "nothing runs": each kind of
    damage, while a launch holds all 8 GPUs, leaves the next launch busy
    (its GPUs recovered from the running launch's hold file)."""
    out = str(tmp_path / "big.json")
    big = launch(env, state, 8, [sys.executable, stubborn, out, "60"])
    assert wait_for(lambda: child_of(state, big.pid))
    child = child_of(state, big.pid)
    try:
        for name, data in DAMAGES.items():
            with open(state, "wb") as f:
                f.write(data)
            p = run_launch(env, "--gpus", "1", "--topo", "dgx1-v100",
                           "--state", state, "--", "true")
            assert p.returncode == 3, (name, p.stderr)
            assert "is damaged" in p.stderr, name
            assert f"recovered the hold of pid {big.pid} (GPUs " \
                   f"0,1,2,3,4,5,6,7)" in p.stderr, (name, p.stderr)
            assert "not enough free GPUs" in p.stderr
            assert "Traceback" not in p.stderr
            with open(state + ".damaged", "rb") as f:
                assert f.read() == data  # kept for a look
            (hold,) = read_state(state)["holds"]
            assert hold["pid"] == big.pid and hold["gpus"] == list(range(8))
            assert child_of(state, big.pid) == child
    finally:
        stop(big, child)
    assert big.returncode == 128 + signal.SIGKILL
    ok = launch(env, state, 8, ["true"])
    (rc, _, err), = finish([ok])
    assert rc == 0, err


def test_damaged_hold_file_of_a_running_launch_stops_launches(
        env, state, stubborn, tmp_path):
    big = launch(env, state, 4, [sys.executable, stubborn,
                                 str(tmp_path / "o.json"), "60"])
    assert wait_for(lambda: child_of(state, big.pid))
    child = child_of(state, big.pid)
    try:
        (hold,) = read_state(state)["holds"]
        path = os.path.join(state + ".holds", hold["id"])
        with open(path, "r+b") as f:  # flock is advisory: this works
            f.write(b"garbage")
        p = run_launch(env, "--gpus", "1", "--topo", "dgx1-v100", "--state",
                       state, "--", "true")
        assert p.returncode == 2
        assert f"hold file {path} is damaged" in p.stderr
        assert p.stderr.count("\n") == 1, p.stderr
    finally:
        stop(big, child)
    # the launch that holds it still ends and releases normally
    _, err = big.communicate()
    assert big.returncode == 128 + signal.SIGKILL, err
    assert read_state(state)["holds"] == []
    assert os.listdir(state + ".holds") == []
    ok = launch(env, state, 8, ["true"])
    (rc, _, err), = finish([ok])
    assert rc == 0, err


def hold_record(hold_id, pid, gpus, start=None):
    return {"id": hold_id, "pid": pid, "pid_start": start, "child": None,
            "child_start": None, "gpus": gpus, "node": "dgx1-v100",
            "since": 0, "command": ["x"]}


def test_a_locked_hold_file_keeps_its_gpus(env, state):
    """Liveness comes from the lock on the hold file (held by the launcher
    and inherited by its command), not only from pids: a hold whose pids
    are all gone stays while its file is locked."""
    import fcntl
    gone = subprocess.Popen(["true"])
    gone.wait()
    holds = state + ".holds"
    os.makedirs(holds)
    hold_id = "0123456789abcdef0123456789abcdef"
    path = os.path.join(holds, hold_id)
    with open(path, "w") as f:
        json.dump(hold_record(hold_id, gone.pid, [0, 1, 2, 3, 4, 5, 6, 7]), f)
    fd = os.open(path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        # no state file at all: the hold comes back from its file
        p = run_launch(env, "--gpus", "1", "--topo", "dgx1-v100", "--state",
                       state, "--", "true")
        assert p.returncode == 3, p.stderr
        assert f"recovered the hold of pid {gone.pid}" in p.stderr
    finally:
        os.close(fd)
    p = run_launch(env, "--gpus", "8", "--topo", "dgx1-v100", "--state",
                   state, "--", "true")
    assert p.returncode == 0, p.stderr
    assert "reclaimed GPUs 0,1,2,3,4,5,6,7" in p.stderr
    assert not os.path.exists(path)
    assert os.listdir(holds) == []


def proc_start(pid):
    """Field 22 of /proc/PID/stat (proc(5)), the start time in clock ticks
    (fields 3.. follow the ")" of comm)."""
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[22 - 3])


def launch_snapshot(jobs, clock=None, topo="dgx1-v100"):
    """A state file as launch.py writes it: ``jobs`` (launch id, pid,
    start time, GPUs required or a count to wait for) submitted in order
    on the launch scheduler's settings, then a step at ``clock``."""
    t = gpusched.Topology.load(topo)
    try:
        with gpusched.Scheduler(t, ordering="fifo", keep_seconds=0,
                                keep_count=0) as s:
            now = int(time.time()) if clock is None else clock
            for launch_id, pid, start, gpus in jobs:
                name = (f"pid={pid} start={'-' if start is None else start}"
                        f" launch={launch_id}")
                if isinstance(gpus, list):
                    s.submit(len(gpus), require_gpus=gpus, max_nodes=1,
                             name=name, submit_time=now)
                else:
                    s.submit(gpus, max_nodes=1, name=name, submit_time=now)
            s.step(now)
            return s.snapshot()
    finally:
        t.close()


def test_pid_reuse_is_detected(env, state):
    """A recorded pid that now names another process (same pid, another
    start time) holds nothing; the same pid and start time does. In the
    JSON state of an earlier version, then in the job name of a
    snapshot."""
    me = os.getpid()
    start = proc_start(me)
    for recorded, expect in ((start + 1, 0), (start, 3)):
        with open(state, "w") as f:
            json.dump({"version": 2, "seq": 1, "queue": [], "holds": [
                hold_record("reused", me, list(range(8)), recorded)]}, f)
        p = run_launch(env, "--gpus", "8", "--topo", "dgx1-v100", "--state",
                       state, "--", "true")
        assert p.returncode == expect, p.stderr
    for recorded, expect in ((start + 1, 0), (start, 3)):
        with open(state, "wb") as f:
            f.write(launch_snapshot([("reused", me, recorded,
                                      list(range(8)))]))
        p = run_launch(env, "--gpus", "8", "--topo", "dgx1-v100", "--state",
                       state, "--", "true")
        assert p.returncode == expect, p.stderr
        if expect == 0:
            assert f"reclaimed GPUs 0,1,2,3,4,5,6,7 of pid {me}" in p.stderr
        else:
            assert f"held by pid {me} (GPUs 0,1,2,3,4,5,6,7)" in p.stderr


# ---- kill -9 at the dangerous moments -------------------------------------


def paused_launch(env, state, point, cmd, tmp_path):
    """A launch of all 8 GPUs that stops at ``point`` (launch.py's test
    hook); returns it once there, and the pid that paused."""
    marker = str(tmp_path / "paused")
    e = dict(env)
    e["GPUSCHED_LAUNCH_TEST_PAUSE"] = f"{point}:{marker}"
    proc = launch(e, state, 8, cmd)
    assert wait_for(lambda: os.path.exists(marker))
    with open(marker) as f:
        return proc, int(f.read())


def test_kill9_before_the_command_is_recorded(env, state, stubborn,
                                              tmp_path):
    """The launcher killed after fork, before its new process recorded
    itself: the command never runs, and its GPUs come back."""
    out = str(tmp_path / "never.json")
    big, child = paused_launch(env, state, "child-before-register",
                               [sys.executable, stubborn, out, "0"],
                               tmp_path)
    assert child != big.pid
    # meanwhile the GPUs are held: by the hold, with the launcher's pid
    p = run_launch(env, "--gpus", "1", "--topo", "dgx1-v100", "--state",
                   state, "--", "true")
    assert p.returncode == 3, p.stderr
    big.kill()
    big.wait()
    assert wait_for(lambda: not os.path.exists(f"/proc/{child}"), 10)
    ok = launch(env, state, 8, ["true"], "--wait", "--timeout", "30")
    (rc, _, err), = finish([ok])
    assert rc == 0, err
    assert "reclaimed GPUs 0,1,2,3,4,5,6,7" in err
    time.sleep(0.2)
    assert not os.path.exists(out)  # the command never ran


def test_kill9_once_the_command_runs(env, state, stubborn, tmp_path):
    """The launcher killed right after starting its command (where the
    command's pid used to be not yet recorded): the command goes on (it
    ignores the SIGTERM the launcher's death sends), and its GPUs are not
    given out before it ends."""
    first = str(tmp_path / "first.json")
    second = str(tmp_path / "second.json")
    big, paused = paused_launch(env, state, "after-start",
                                [sys.executable, stubborn, first, "2"],
                                tmp_path)
    assert paused == big.pid
    # once the command ignores SIGTERM (else the launcher's death ends it)
    assert wait_for(lambda: os.path.exists(first + ".started"))
    big.kill()
    big.wait()
    nxt = launch(env, state, 8, [sys.executable, stubborn, second, "0"],
                 "--wait", "--timeout", "30")
    (rc, _, err), = finish([nxt])
    assert rc == 0, err
    a, b = records([first, second])
    assert b["start"] >= a["end"], (a, b)
    assert "reclaimed GPUs 0,1,2,3,4,5,6,7" in err


# ---- many launches at once -------------------------------------------------


def check_no_gpu_twice(recs):
    """Every pair of commands that ran at the same time had disjoint GPUs;
    returns the number of overlapping pairs checked."""
    pairs = 0
    for i, a in enumerate(recs):
        for b in recs[i + 1:]:
            if overlaps(a, b):
                pairs += 1
                ga, gb = set(a["cvd"].split(",")), set(b["cvd"].split(","))
                assert not ga & gb, (a, b)
    return pairs


def parallel_launches(env, state, stubborn, tmp_path, n, seconds="0.3"):
    import random
    rng = random.Random(n)
    outs = [str(tmp_path / f"c{i}.json") for i in range(n)]
    procs = [launch(env, state, rng.choice([1, 1, 2, 2, 3, 4]),
                    [sys.executable, stubborn, o, seconds], "--wait",
                    "--timeout", "240", "--poll", "0.1", "-q")
             for o in outs]
    return procs, outs


def test_40_parallel_launches_never_share_a_gpu(env, state, stubborn,
                                                 tmp_path):
    procs, outs = parallel_launches(env, state, stubborn, tmp_path, 40)
    for rc, _, err in finish(procs, timeout=300):
        assert rc == 0, err
    recs = records(outs)
    assert check_no_gpu_twice(recs) > 0  # some did run side by side
    st = read_state(state)
    assert st["holds"] == [] and st["queue"] == []
    assert os.listdir(state + ".holds") == []


def test_parallel_launches_with_the_state_damaged_meanwhile(
        env, state, stubborn, tmp_path):
    """30 launches while the state file is overwritten with garbage or
    emptied every 30 ms: still no GPU given twice."""
    import threading
    procs, outs = parallel_launches(env, state, stubborn, tmp_path, 30)
    stop = threading.Event()
    damaged = [0]

    def vandal():
        i = 0
        while not stop.wait(0.03):
            data = [b"", b"{not json", b"[]"][i % 3]
            i += 1
            try:
                with open(state, "wb") as f:
                    f.write(data)
                damaged[0] += 1
            except OSError:
                pass

    t = threading.Thread(target=vandal)
    t.start()
    try:
        results = finish(procs, timeout=300)
    finally:
        stop.set()
        t.join()
    for rc, _, err in results:
        assert rc == 0, err
    assert damaged[0] > 10
    assert any("is damaged" in err for _, _, err in results)
    check_no_gpu_twice(records(outs))


def test_launchers_killed_at_random_moments(env, state, stubborn, tmp_path):
    """20 launches of commands that outlive their launcher; 8 launchers
    are killed with SIGKILL at random moments (waiting, placing, starting,
    running): no GPU is ever used by two commands at once."""
    import random
    rng = random.Random(7)
    procs, outs = parallel_launches(env, state, stubborn, tmp_path, 20,
                                    seconds="0.5")
    victims = rng.sample(range(len(procs)), 8)
    t0 = time.time()
    for v in sorted(victims, key=lambda _: rng.random()):
        time.sleep(max(0.0, t0 + rng.uniform(0, 3) - time.time()))
        procs[v].kill()
    finish(procs, timeout=300)
    # the killed launchers' commands may still run: wait for them
    assert wait_for(lambda: all(
        os.path.exists(o) or i in victims for i, o in enumerate(outs)), 60)
    time.sleep(1.5)
    recs = records([o for o in outs if os.path.exists(o)])
    assert len(recs) >= len(outs) - len(victims)
    check_no_gpu_twice(recs)
    # nothing is left held once every command has ended
    ok = launch(env, state, 8, ["true"], "--wait", "--timeout", "30")
    (rc, _, err), = finish([ok])
    assert rc == 0, err


# ---- the state is a gpusched snapshot ---------------------------------------


def gpusched_tool():
    """build/tools/gpusched of the build tree whose library is tested."""
    lib = os.environ["GPUSCHED_LIBRARY"]
    tool = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
        lib))), "tools", "gpusched")
    if not os.access(tool, os.X_OK):
        pytest.skip(f"no {tool} (GPUSCHED_LIBRARY is not in a build tree)")
    return tool


def user_name():
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


def test_state_file_is_a_snapshot(env, state, tmp_path):
    """While a launch holds the 8 GPUs and another waits for 2, the state
    file is a scheduler snapshot that `gpusched state show` prints and
    Scheduler.restore reads: a running job on GPUs 0-7 named by the
    holder's launcher pid and start time, and a pending job for 2 GPUs
    named by the waiter's."""
    tool = gpusched_tool()
    big = launch(env, state, 8, [sys.executable, "-c",
                                 "import time; time.sleep(30)"])
    assert wait_for(lambda: any(h["child"] for h in
                                read_state(state)["holds"]))
    waiter = launch(env, state, 2, ["true"], "--wait")
    assert wait_for(lambda: len(read_state(state)["queue"]) == 1)
    try:
        me = user_name()
        (hold,) = read_state(state)["holds"]
        big_name = (f"pid={big.pid} start={proc_start(big.pid)} "
                    f"launch={hold['id']}")
        waiter_start = proc_start(waiter.pid)
        p = subprocess.run([tool, "state", "show", "--json", state],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stderr
        shown = json.loads(p.stdout)
        assert shown["ordering"] == "fifo"
        (node,) = shown["nodes"]
        assert (node["name"], node["gpus"], node["free_gpus"]) == (
            "dgx1-v100", 8, 0)
        running, pending = shown["jobs"]
        assert (running["state"], running["name"], running["user"],
                running["gpus"]) == ("running", big_name, me, 8)
        assert running["allocation"] == [
            {"node": "dgx1-v100", "gpus": list(range(8)), "cpus": 0,
             "memory": 0}]
        assert node["gpu_jobs"] == [running["id"]] * 8
        assert pending["state"] == "pending" and pending["gpus"] == 2
        assert pending["name"].startswith(
            f"pid={waiter.pid} start={waiter_start} launch=")
        assert pending["reason"] == "resources"
        assert pending["submit_time"] >= running["submit_time"]
        # the text form too
        p = subprocess.run([tool, "state", "show", state],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stderr
        assert "ordering fifo" in p.stdout and "jobs: 2 held" in p.stdout
        # and the library restores it, with the launcher's settings
        topo = gpusched.Topology.load("dgx1-v100")
        with gpusched.Scheduler.restore(topo, state) as s:
            assert (s.placement, s.ordering, s.retention) == (
                "nvlink-pack", "fifo", (0, 0))
            a, b = s.jobs()
            assert a.running and a.name == big_name and a.user == me
            assert s.allocation(a.id).gpu_ids == tuple(range(8))
            assert b.pending and b.gpus == 2 and b.user == me
            assert s.pending_reason(b.id)[0] == "resources"
            assert s.free_gpus() == 0
            s.check()
        topo.close()
    finally:
        big.send_signal(signal.SIGTERM)
    (rc, _, err), (wrc, _, werr) = finish([big, waiter])
    assert rc == 128 + signal.SIGTERM, err
    assert wrc == 0, werr
    # nothing runs or waits: a snapshot without jobs
    topo = gpusched.Topology.load("dgx1-v100")
    with gpusched.Scheduler.restore(topo, state) as s:
        assert s.jobs() == [] and s.free_gpus() == 8
    topo.close()
    assert os.listdir(state + ".holds") == []


def test_kill9_while_holding_gpus_leaves_a_state_the_next_launch_repairs(
        env, state, stubborn, tmp_path):
    """A launcher killed with SIGKILL while its command runs on 4 GPUs
    writes nothing: the state still shows its running job. Its command,
    which ignores the SIGTERM the launcher's death sends, still holds the
    GPUs (its hold file is locked): a launch of 8 is busy, a launch of 4
    gets the other 4. Once the command has ended too, the next launch
    reclaims the job and has the 8 GPUs."""
    big = launch(env, state, 4, [sys.executable, stubborn,
                                 str(tmp_path / "big.json"), "60"])
    assert wait_for(lambda: child_of(state, big.pid))
    assert wait_for(lambda: os.path.exists(str(tmp_path / "big.json") +
                                           ".started"))
    child = child_of(state, big.pid)
    (hold,) = read_state(state)["holds"]
    held = hold["gpus"]
    assert len(held) == 4
    text = ",".join(map(str, held))
    with open(state, "rb") as f:
        before = f.read()
    try:
        big.kill()
        big.wait()
        assert big.returncode == -signal.SIGKILL
        with open(state, "rb") as f:
            assert f.read() == before          # the state is as it was
        time.sleep(0.3)
        assert os.path.exists(f"/proc/{child}")  # the command goes on
        p = run_launch(env, "--gpus", "8", "--topo", "dgx1-v100", "--state",
                       state, "--", "true")
        assert p.returncode == 3, p.stderr
        assert f"held by pid {big.pid} (GPUs {text})" in p.stderr
        out = str(tmp_path / "cvd")
        p = run_launch(env, "--gpus", "4", "--topo", "dgx1-v100", "--state",
                       state, "--", sys.executable, "-c",
                       "import os,sys; open(sys.argv[1],'w').write("
                       "os.environ['CUDA_VISIBLE_DEVICES'])", out)
        assert p.returncode == 0, p.stderr
        with open(out) as f:
            got = sorted(int(g) for g in f.read().split(","))
        assert got == sorted(set(range(8)) - set(held))
        (hold,) = read_state(state)["holds"]      # still there
        assert (hold["pid"], hold["gpus"], hold["child"]) == (
            big.pid, held, child)
    finally:
        os.kill(child, signal.SIGKILL)
    assert wait_for(lambda: not os.path.exists(f"/proc/{child}"), 10)
    p = run_launch(env, "--gpus", "8", "--topo", "dgx1-v100", "--state",
                   state, "--", "true")
    assert p.returncode == 0, p.stderr
    assert f"reclaimed GPUs {text} of pid {big.pid} (gone)" in p.stderr
    assert read_state(state) == {"holds": [], "queue": []}
    assert os.listdir(state + ".holds") == []


def test_old_json_state_is_migrated(env, state, tmp_path):
    """The JSON state of the previous version becomes a snapshot: its live
    hold a running job on the same GPUs, its live place in line a pending
    job ahead of the new launch, its dead hold reclaimed. On the 8 GPUs:
    0-3 held, 4-5 free again, so the launch waiting first gets 2 of 4-7
    and the new launch the other 2."""
    holder = subprocess.Popen(["sleep", "60"])
    waiter = subprocess.Popen(["sleep", "60"])
    gone = subprocess.Popen(["true"])
    gone.wait()
    try:
        old = {"version": 2, "seq": 3, "holds": [
            {"id": "h1", "pid": holder.pid,
             "pid_start": proc_start(holder.pid), "child": None,
             "child_start": None, "gpus": [0, 1, 2, 3], "node": "dgx1-v100",
             "since": 0, "command": ["train"]},
            {"id": "h2", "pid": gone.pid, "pid_start": None, "child": None,
             "child_start": None, "gpus": [4, 5], "node": "dgx1-v100",
             "since": 0}],
            "queue": [{"id": "q1", "pid": waiter.pid,
                       "pid_start": proc_start(waiter.pid), "gpus": 2,
                       "seq": 3, "since": 0}]}
        with open(state, "w") as f:
            json.dump(old, f)
        out = str(tmp_path / "cvd")
        p = run_launch(env, "--gpus", "2", "--topo", "dgx1-v100", "--state",
                       state, "--", sys.executable, "-c",
                       "import os,sys; open(sys.argv[1],'w').write("
                       "os.environ['CUDA_VISIBLE_DEVICES'])", out)
        assert p.returncode == 0, p.stderr
        assert (f"{state}: the JSON state of an earlier launch.py, "
                f"rewritten as a gpusched snapshot") in p.stderr
        assert f"reclaimed GPUs 4,5 of pid {gone.pid} (gone)" in p.stderr
        with open(state, "rb") as f:
            assert f.read().startswith(b"GSSTATE\n")
        st = read_state(state)
        assert st["queue"] == []
        h1, q1 = st["holds"]
        assert (h1["id"], h1["pid"], h1["gpus"]) == ("h1", holder.pid,
                                                     [0, 1, 2, 3])
        assert (q1["id"], q1["pid"], len(q1["gpus"])) == ("q1", waiter.pid,
                                                          2)
        with open(out) as f:
            mine = sorted(int(g) for g in f.read().split(","))
        assert sorted(q1["gpus"] + mine) == [4, 5, 6, 7]
    finally:
        holder.kill()
        waiter.kill()
        holder.wait()
        waiter.wait()
    p = run_launch(env, "--gpus", "8", "--topo", "dgx1-v100", "--state",
                   state, "--", "true")
    assert p.returncode == 0, p.stderr
    assert f"reclaimed GPUs 0,1,2,3 of pid {holder.pid}" in p.stderr
    assert read_state(state) == {"holds": [], "queue": []}


def test_state_of_another_topology(env, state, stubborn, tmp_path):
    """A snapshot made on another description of the machine (another
    --topo) cannot be restored on this one: the launch makes it anew
    from the hold files, so the GPUs held stay held."""
    big = launch(env, state, 8, [sys.executable, stubborn,
                                 str(tmp_path / "o.json"), "60"],
                 topo="dgx-h100")
    assert wait_for(lambda: any(h["child"] for h in read_state(
        state, topo="dgx-h100")["holds"]))
    child = child_of_topo(state, big.pid, "dgx-h100")
    try:
        p = run_launch(env, "--gpus", "1", "--topo", "dgx1-v100", "--state",
                       state, "--", "true")
        assert p.returncode == 3, p.stderr
        assert "was written for another topology" in p.stderr
        assert (f"recovered the hold of pid {big.pid} (GPUs "
                f"0,1,2,3,4,5,6,7)") in p.stderr
        (hold,) = read_state(state)["holds"]     # now a DGX-1 snapshot
        assert (hold["pid"], hold["gpus"], hold["child"]) == (
            big.pid, list(range(8)), child)
    finally:
        stop(big, child)
    p = run_launch(env, "--gpus", "8", "--topo", "dgx1-v100", "--state",
                   state, "--", "true")
    assert p.returncode == 0, p.stderr


def child_of_topo(state, pid, topo):
    holds = [h for h in read_state(state, topo=topo)["holds"]
             if h["pid"] == pid]
    return holds[0]["child"] if holds else None


def test_two_hold_files_claiming_a_gpu_stop_launches(env, state):
    """Hold files of running launches that claim the same GPU (which a
    launch never writes) leave which launch uses it unknown: no GPU is
    given out until one is gone."""
    me, start = os.getpid(), proc_start(os.getpid())
    holds = state + ".holds"
    os.makedirs(holds)
    a, b = "a" * 32, "b" * 32
    for hold_id, gpus in ((a, [0, 1, 2]), (b, [2, 3])):
        with open(os.path.join(holds, hold_id), "w") as f:
            json.dump(hold_record(hold_id, me, gpus, start), f)
    p = run_launch(env, "--gpus", "1", "--topo", "dgx1-v100", "--state",
                   state, "--", "true")
    assert p.returncode == 2
    assert (f"hold files {os.path.join(holds, a)} and "
            f"{os.path.join(holds, b)} both claim GPU 2") in p.stderr
    assert "Traceback" not in p.stderr
    os.unlink(os.path.join(holds, b))
    # a's GPUs 0-2 are held: 5 are left, 3 to 7
    out = state + ".cvd"
    p = run_launch(env, "--gpus", "5", "--topo", "dgx1-v100", "--state",
                   state, "--", sys.executable, "-c",
                   "import os,sys; open(sys.argv[1],'w').write("
                   "os.environ['CUDA_VISIBLE_DEVICES'])", out)
    assert p.returncode == 0, p.stderr
    with open(out) as f:
        assert f.read() == "3,4,5,6,7"
    (hold,) = read_state(state)["holds"]
    assert (hold["id"], hold["pid"], hold["gpus"]) == (a, me, [0, 1, 2])
    os.unlink(os.path.join(holds, a))


def test_the_clock_never_goes_backwards(env, state):
    """A state whose clock is ahead of time.time() (the system clock was
    set back since) is not refused: the launch happens at the state's
    time, which stays."""
    ahead = int(time.time()) + 10 ** 6
    with open(state, "wb") as f:
        f.write(launch_snapshot([], clock=ahead))
    p = launch(env, state, 2, [sys.executable, "-c",
                               "import time; time.sleep(30)"])
    try:
        assert wait_for(lambda: len(read_state(state)["holds"]) == 1)
        topo = gpusched.Topology.load("dgx1-v100")
        with gpusched.Scheduler.restore(topo, state) as s:
            (job,) = s.jobs()
            assert (job.submit_time, job.start_time) == (ahead, ahead)
            assert s.clock_time == ahead
        topo.close()
    finally:
        p.send_signal(signal.SIGTERM)
    (rc, _, err), = finish([p])
    assert rc == 128 + signal.SIGTERM, err
    topo = gpusched.Topology.load("dgx1-v100")
    with gpusched.Scheduler.restore(topo, state) as s:
        assert s.jobs() == [] and s.clock_time == ahead
    topo.close()


def test_another_placement_rebuilds_the_state_keeping_its_launches(
        env, state, stubborn, tmp_path):
    """The state's scheduler places with the policy of the launch that
    wrote it: a launch with another --placement makes it anew with its
    own, keeping every launch where it is. First-fit gives the first
    launch GPUs 0 and 1."""
    first = launch(env, state, 2, [sys.executable, stubborn,
                                   str(tmp_path / "o.json"), "60"],
                   "--placement", "first-fit")
    assert wait_for(lambda: child_of(state, first.pid))
    child = child_of(state, first.pid)
    try:
        (hold,) = read_state(state)["holds"]
        assert hold["gpus"] == [0, 1]
        topo = gpusched.Topology.load("dgx1-v100")
        with gpusched.Scheduler.restore(topo, state) as s:
            assert s.placement == "first-fit"
        p = run_launch(env, "--gpus", "2", "--topo", "dgx1-v100", "--state",
                       state, "--", "true")
        assert p.returncode == 0, p.stderr
        with gpusched.Scheduler.restore(topo, state) as s:
            assert s.placement == "nvlink-pack"
            (job,) = s.jobs()
            assert job.running and s.allocation(job.id).gpu_ids == (0, 1)
        topo.close()
        (again,) = read_state(state)["holds"]
        assert (again["id"], again["pid"], again["child"]) == (
            hold["id"], first.pid, child)
    finally:
        stop(first, child)
    assert read_state(state) == {"holds": [], "queue": []}
