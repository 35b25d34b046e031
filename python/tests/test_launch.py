"""examples/launch.py: concurrent launches sharing a state file."""

import json
import os
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


def read_state(state):
    try:
        with open(state) as f:
            text = f.read()
        return json.loads(text) if text.strip() else {"holds": [], "queue": []}
    except FileNotFoundError:
        return {"holds": [], "queue": []}


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
    assert "reclaimed" in err
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
