#!/usr/bin/env python3
"""Run a command on the best free GPUs of this machine.

    python3 examples/launch.py --gpus 4 [--topo SRC] [--state FILE]
                               [--wait] [--timeout S] -- python train.py ...

Several launches on one machine share a small JSON state file that says
which GPUs each running launch holds. A launch:

1. gets the machine's topology: ``--topo`` (anything Topology.load accepts:
   a template name such as ``dgx1-v100``, a JSON file, an ``nvidia-smi topo
   -m`` capture...), else the library's probe (``Topology.probe``: the CUDA
   driver, NVML and hwloc; ``GPUSCHED_CUDA_LIBRARY`` names another driver
   library), else hwloc alone;
2. under an exclusive lock (fcntl.flock) on the state file, forgets the
   entries of launches whose processes are gone (a launcher killed with
   SIGKILL included), and places the job with a gpusched Scheduler on the
   topology: the GPUs other launches hold are drained, launches already
   waiting go first, and ``nvlink-pack`` picks the set with the most NVLink
   bandwidth;
3. records its GPUs with its pid, starts the command with
   ``CUDA_VISIBLE_DEVICES`` set and its CPU affinity limited to the GPUs'
   NUMA-local cores, and waits for it;
4. releases the GPUs when the command ends, and also when the launcher is
   told to stop (SIGTERM, SIGINT, SIGHUP are forwarded to the command; the
   launcher then releases and exits with the command's status).

When the GPUs are busy it exits with status 3 and says who holds them, or
with ``--wait`` waits in line (polling, ``--timeout`` seconds at most).

CPU affinity rule: the command may run on the CPUs that the topology says
are local to its GPUs *and* that this process may run on now
(``os.sched_getaffinity``). When the topology describes another machine (a
template bigger than this one) and none of those CPUs exist here, the
command keeps the launcher's affinity. ``--no-affinity`` turns it off.

Exit status: the command's (128 + N when it was killed by signal N); 2 for
a usage or setup error (no topology, a request this machine can never
satisfy); 3 when the GPUs are busy (or --timeout expired).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from typing import Dict, Iterator, List, NoReturn, Optional

EXIT_SETUP = 2
EXIT_BUSY = 3
STATE_VERSION = 1


def _import_gpusched():
    try:
        import gpusched
        return gpusched
    except ImportError as first:
        # run from a source tree: examples/../python
        here = os.path.dirname(os.path.abspath(__file__))
        tree = os.path.join(os.path.dirname(here), "python")
        if os.path.isdir(os.path.join(tree, "gpusched")) and tree not in sys.path:
            sys.path.insert(0, tree)
            try:
                import gpusched
                return gpusched
            except ImportError as second:
                first = second
        die(f"cannot import gpusched: {first}", EXIT_SETUP)


def say(msg: str) -> None:
    print(f"launch: {msg}", file=sys.stderr, flush=True)


def die(msg: str, code: int) -> NoReturn:
    say(msg)
    sys.exit(code)


# ---- processes -----------------------------------------------------------


def proc_start_time(pid: int) -> Optional[int]:
    """The process's start time (clock ticks since boot), to tell a live
    process from a new one that reused its pid; None if unknown."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()
        return int(fields[19])
    except (OSError, ValueError, IndexError):
        return None


def proc_alive(pid: Optional[int], start: Optional[int]) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: alive
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        if stat[stat.rindex(")") + 2:].split()[0] in ("Z", "X"):
            return False  # a zombie holds nothing
    except (OSError, ValueError):
        pass
    if start is not None:
        now = proc_start_time(pid)
        if now is not None and now != start:
            return False  # the pid was reused
    return True


# ---- the state file ------------------------------------------------------


def default_state_path() -> str:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime) and os.access(runtime, os.W_OK):
        return os.path.join(runtime, "gpusched-launch.json")
    return os.path.join("/tmp", f"gpusched-launch-{os.getuid()}.json")


class StateFile:
    """The JSON file shared by the launches of one machine::

        {"version": 1, "seq": 7,
         "holds": [{"id", "pid", "pid_start", "child", "child_start",
                    "gpus": [0, 3], "node", "command", "since"}],
         "queue": [{"id", "pid", "pid_start", "gpus": 2, "seq", "since"}]}

    Every read-modify-write happens under flock(LOCK_EX) on the file
    itself; the file is rewritten in place (not renamed) so that the lock
    stays on the same inode."""

    def __init__(self, path: str):
        self.path = path

    @contextmanager
    def locked(self) -> Iterator[dict]:
        d = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(d, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = b""
            while True:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                raw += chunk
            state = self._parse(raw)
            before = json.dumps(state, sort_keys=True)
            yield state
            after = json.dumps(state, sort_keys=True)
            if after != before:
                data = (json.dumps(state, indent=1, sort_keys=True) +
                        "\n").encode()
                os.lseek(fd, 0, os.SEEK_SET)
                os.ftruncate(fd, 0)
                os.write(fd, data)
                os.fsync(fd)
        finally:
            os.close(fd)  # also releases the lock

    def _parse(self, raw: bytes) -> dict:
        empty = {"version": STATE_VERSION, "seq": 0, "holds": [], "queue": []}
        if not raw.strip():
            return empty
        try:
            state = json.loads(raw)
            if (not isinstance(state, dict) or
                    not isinstance(state.get("holds"), list) or
                    not isinstance(state.get("queue"), list)):
                raise ValueError("not a launch state")
        except ValueError as e:
            say(f"warning: {self.path} is unreadable ({e}); starting afresh")
            return empty
        state.setdefault("seq", 0)
        return state


def reclaim(state: dict) -> List[dict]:
    """Drop the entries whose processes are all gone; returns the holds
    dropped."""
    dropped = []
    holds = []
    for h in state["holds"]:
        if (proc_alive(h.get("pid"), h.get("pid_start")) or
                proc_alive(h.get("child"), h.get("child_start"))):
            holds.append(h)
        else:
            dropped.append(h)
    state["holds"] = holds
    state["queue"] = [q for q in state["queue"]
                      if proc_alive(q.get("pid"), q.get("pid_start"))]
    return dropped


# ---- the machine ---------------------------------------------------------


def get_topology(gs, source: Optional[str]):
    if source:
        try:
            return gs.Topology.load(source)
        except gs.Error as e:
            die(f"--topo {source}: {e}", EXIT_SETUP)
    probe = getattr(gs.Topology, "probe", None)
    if probe is not None:
        try:
            # the GPUs this process may use: the driver applies our own
            # CUDA_VISIBLE_DEVICES, so indexes are relative to it (see
            # child_visible_devices)
            topo = probe()
            if topo.gpu_count:
                return topo
        except gs.UnsupportedError as e:
            if "gs_topo_probe" not in str(e):  # a library without the probe
                say(f"the probe found no usable GPU driver ({e})")
        except gs.Error as e:
            say(f"the probe found no GPUs ({e})")
    try:
        topo = gs.Topology.load("hwloc")
    except gs.Error as e:
        die(f"cannot read this machine's topology through hwloc ({e}); "
            f"give it with --topo SRC (a template such as dgx1-v100, a JSON "
            f"file, or `nvidia-smi topo -m` output)", EXIT_SETUP)
    if topo.gpu_count == 0:
        die("hwloc sees no GPU on this machine (no NVIDIA driver, or hwloc "
            "without GPU support): give the topology with --topo SRC (a "
            "template such as dgx1-v100, a JSON file, or `nvidia-smi topo -m` "
            "output)", EXIT_SETUP)
    return topo


def pick_node(topo, name: Optional[str]) -> int:
    names = topo.node_names
    if name:
        if name not in names:
            die(f"--node {name}: the topology has no such node "
                f"({', '.join(names[:8])}{'...' if len(names) > 8 else ''})",
                EXIT_SETUP)
        return names.index(name)
    host = socket.gethostname()
    for cand in (host, host.split(".")[0]):
        if cand in names:
            return names.index(cand)
    if len(names) == 1:
        return 0
    die(f"the topology has {len(names)} nodes and none is named {host!r}: "
        f"say which one this machine is with --node NAME", EXIT_SETUP)


def child_visible_devices(topo, cvd: str, cvd_uuids: str,
                          uuids: bool) -> str:
    """CUDA_VISIBLE_DEVICES for the command. A probed topology numbers the
    GPUs this process sees: when our own CUDA_VISIBLE_DEVICES restricts
    them, indexes would name other GPUs in the child (the variable always
    counts from the machine's first GPU), so UUIDs are given instead."""
    probed = getattr(topo, "probe_report", None) is not None
    if uuids or (probed and os.environ.get("CUDA_VISIBLE_DEVICES")
                 is not None):
        return cvd_uuids
    return cvd


def child_cpus(topo, node_first: int, gpus: List[int]) -> Optional[List[int]]:
    """The affinity for the command (see the module doc), or None to leave
    it alone."""
    local = set()
    for g in gpus:
        local.update(topo.local_cpus(node_first + g))
    if not local:
        return None
    allowed = os.sched_getaffinity(0)
    both = sorted(local & allowed)
    return both or None


# ---- placement -----------------------------------------------------------


class Placer:
    """Decides with a gpusched Scheduler which GPUs a launch gets, given
    what the state file says is held and who waits ahead."""

    def __init__(self, gs, topo, node: int, placement: str):
        self.gs = gs
        self.topo = topo
        self.node = node
        self.first = topo.node(node).first_gpu
        self.count = topo.node(node).gpu_count
        self.placement = placement

    def _scheduler(self):
        try:
            return self.gs.Scheduler(self.topo, placement=self.placement,
                                     ordering="fifo")
        except self.gs.UnsupportedError:  # a library without orderings
            return self.gs.Scheduler(self.topo, placement=self.placement)

    def never(self, gpus: int) -> Optional[str]:
        """Why this machine can never give ``gpus`` GPUs, or None."""
        if gpus > self.count:
            return (f"{gpus} GPUs asked, node {self.topo.node_names[self.node]}"
                    f" has {self.count}")
        with self._scheduler() as s:
            try:
                s.submit(gpus, max_nodes=1)
            except self.gs.Error as e:
                return str(e)
        return None

    def place(self, state: dict, me: str):
        """Run the queue (held GPUs drained, waiting launches in arrival
        order, this one among them). Returns (local GPU indices,
        CUDA_VISIBLE_DEVICES with indices, with UUIDs) for ``me``, or
        (None, reason) when it cannot start now."""
        with self._scheduler() as s:
            for n in range(self.topo.node_count):
                if n != self.node:
                    s.drain_node(n)
            for h in state["holds"]:
                for g in h.get("gpus", []):
                    if isinstance(g, int) and 0 <= g < self.count:
                        s.drain_gpu(self.first + g)
            ids: Dict[int, str] = {}
            for q in sorted(state["queue"], key=lambda q: q["seq"]):
                try:
                    job = s.submit(int(q["gpus"]), max_nodes=1,
                                   submit_time=int(q["seq"]))
                except (self.gs.Error, TypeError, ValueError):
                    if q["id"] == me:
                        raise
                    continue  # another launch's request this node never fits
                ids[job] = q["id"]
            s.step(now=state["seq"])
            mine = next(j for j, i in ids.items() if i == me)
            info = s.job(mine)
            if not info.running:
                _, why = s.pending_reason(mine)
                return None, why
            alloc = s.allocation(mine)
            share = alloc.nodes[0]
            return (list(share.gpus), alloc.cuda_visible_devices(),
                    alloc.cuda_visible_devices(uuids=True)), None


# ---- the launch ----------------------------------------------------------


class Launch:
    def __init__(self, args, gs):
        self.args = args
        self.gs = gs
        self.state = StateFile(args.state or default_state_path())
        self.id = uuid.uuid4().hex
        self.pid = os.getpid()
        self.pid_start = proc_start_time(self.pid)
        self.child: Optional[subprocess.Popen] = None
        self.signal: Optional[int] = None
        self.holding = False

    # signals: remember, forward to the command if there is one
    def on_signal(self, signum, _frame):
        self.signal = signum
        child = self.child
        if child is not None and child.poll() is None:
            if signum == signal.SIGINT and self._terminal_delivered():
                return  # the command got it from the terminal already
            try:
                child.send_signal(signum)
            except OSError:
                pass

    @staticmethod
    def _terminal_delivered() -> bool:
        """True when this process group is the terminal's foreground group:
        a Ctrl-C then reached the command too (same group)."""
        for fd in (0, 1, 2):
            try:
                if os.tcgetpgrp(fd) == os.getpgrp():
                    return True
            except OSError:
                continue
        return False

    def _holders(self, state) -> str:
        parts = [f"pid {h.get('pid')} (GPUs "
                 f"{','.join(str(g) for g in h.get('gpus', []))})"
                 for h in state["holds"]]
        waiting = len(state["queue"]) - 1
        text = "held by " + ", ".join(parts) if parts else "none held"
        if waiting > 0:
            text += f"; {waiting} launch{'es' * (waiting != 1)} waiting ahead"
        return text

    def acquire(self, placer: Placer):
        """Take GPUs, waiting in line if asked. Returns the placement."""
        args = self.args
        deadline = (time.monotonic() + args.timeout
                    if args.timeout is not None else None)
        told = False
        while True:
            with self.state.locked() as st:
                for h in reclaim(st):
                    say(f"reclaimed GPUs "
                        f"{','.join(str(g) for g in h.get('gpus', []))} of "
                        f"pid {h.get('pid')} (gone)")
                if not any(q["id"] == self.id for q in st["queue"]):
                    st["seq"] += 1
                    st["queue"].append({
                        "id": self.id, "pid": self.pid,
                        "pid_start": self.pid_start, "gpus": args.gpus,
                        "seq": st["seq"], "since": time.time()})
                got, why = placer.place(st, self.id)
                if self.signal is not None:
                    got = None
                if got is not None or not args.wait or self.signal is not None \
                        or (deadline is not None and time.monotonic() >= deadline):
                    st["queue"] = [q for q in st["queue"]
                                   if q["id"] != self.id]
                if got is not None:
                    gpus, cvd, cvd_uuids = got
                    st["holds"].append({
                        "id": self.id, "pid": self.pid,
                        "pid_start": self.pid_start, "child": None,
                        "child_start": None, "gpus": gpus,
                        "node": self.node_name, "since": time.time(),
                        "command": args.command[:8]})
                    self.holding = True
                    return got
                holders = self._holders(st)
            if self.signal is not None:
                sys.exit(128 + self.signal)
            if not args.wait:
                die(f"not enough free GPUs for {args.gpus}: {why}; "
                    f"{holders} (use --wait to wait in line)", EXIT_BUSY)
            if deadline is not None and time.monotonic() >= deadline:
                die(f"gave up after {args.timeout:g} s waiting for "
                    f"{args.gpus} GPUs: {why}; {holders}", EXIT_BUSY)
            if not told and not args.quiet:
                say(f"waiting for {args.gpus} GPUs: {why}; {holders}")
                told = True
            time.sleep(args.poll)

    def update_hold(self, **fields) -> None:
        with self.state.locked() as st:
            for h in st["holds"]:
                if h["id"] == self.id:
                    h.update(fields)

    def release(self) -> None:
        if not self.holding:
            return
        with self.state.locked() as st:
            st["holds"] = [h for h in st["holds"] if h["id"] != self.id]
            st["queue"] = [q for q in st["queue"] if q["id"] != self.id]
        self.holding = False

    def run(self) -> int:
        args, gs = self.args, self.gs
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self.on_signal)
        topo = get_topology(gs, args.topo)
        node = pick_node(topo, args.node)
        self.node_name = topo.node_names[node]
        placer = Placer(gs, topo, node, args.placement)
        never = placer.never(args.gpus)
        if never:
            die(f"this machine can never run it: {never}", EXIT_SETUP)
        try:
            gpus, cvd, cvd_uuids = self.acquire(placer)
            env = dict(os.environ)
            env["CUDA_VISIBLE_DEVICES"] = child_visible_devices(
                topo, cvd, cvd_uuids, args.uuids)
            cpus = None if args.no_affinity else child_cpus(
                topo, placer.first, gpus)
            if not args.quiet:
                q = topo.quality([placer.first + g for g in gpus])
                aff = (gs.format_cpulist(cpus) if cpus is not None
                       else "unchanged")
                say(f"GPUs {cvd} of {self.node_name} (Q = {q:g} GB/s), "
                    f"CPUs {aff}: {' '.join(args.command)}")
            if self.signal is not None:
                return 128 + self.signal
            parent = os.getpid()
            prctl = _prctl()

            def in_child():
                # die with the launcher (Linux), then pin to the local CPUs
                if prctl is not None:
                    prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
                if os.getppid() != parent:
                    os._exit(128 + signal.SIGTERM)
                if cpus is not None:
                    os.sched_setaffinity(0, cpus)

            try:
                self.child = subprocess.Popen(args.command, env=env,
                                              preexec_fn=in_child)
            except OSError as e:
                say(f"cannot run {args.command[0]}: {e}")
                return 127 if isinstance(e, FileNotFoundError) else 126
            self.update_hold(child=self.child.pid,
                             child_start=proc_start_time(self.child.pid))
            if self.signal is not None:  # arrived while starting it
                self.on_signal(self.signal, None)
            rc = self.child.wait()
            return 128 - rc if rc < 0 else rc
        finally:
            self.release()


def _prctl():
    """libc's prctl, looked up before fork (None when unavailable)."""
    try:
        import ctypes
        fn = ctypes.CDLL(None, use_errno=True).prctl
        fn.restype = ctypes.c_int
        fn.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong,
                       ctypes.c_ulong, ctypes.c_ulong]
        return fn
    except (OSError, AttributeError):
        return None


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="launch.py",
        description="Run a command on the best free GPUs of this machine "
                    "(NVLink-aware), sharing them with other launches.",
        epilog="Example: launch.py --gpus 2 --topo dgx1-v100 -- python "
               "train.py")
    p.add_argument("--gpus", type=int, required=True, help="GPUs to use")
    p.add_argument("--topo", help="the machine: a template name, a file "
                   "(JSON, nvidia-smi topo -m, hwloc XML...); default: "
                   "probe it (CUDA driver, NVML, hwloc; else hwloc alone)")
    p.add_argument("--node", help="which node of the topology this machine "
                   "is (default: this hostname, or the only node)")
    p.add_argument("--state", help="state file shared by the launches of "
                   "this machine (default: $XDG_RUNTIME_DIR/gpusched-launch."
                   "json or /tmp/gpusched-launch-UID.json)")
    p.add_argument("--wait", action="store_true",
                   help="wait in line while the GPUs are busy")
    p.add_argument("--timeout", type=float,
                   help="with --wait: give up after this many seconds")
    p.add_argument("--poll", type=float, default=0.2,
                   help="seconds between tries while waiting (default 0.2)")
    p.add_argument("--placement", default="nvlink-pack",
                   help="placement policy (default nvlink-pack)")
    p.add_argument("--uuids", action="store_true",
                   help="CUDA_VISIBLE_DEVICES with GPU UUIDs")
    p.add_argument("--no-affinity", action="store_true",
                   help="do not limit the command's CPU affinity")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="say nothing unless something goes wrong")
    p.add_argument("command", nargs=argparse.REMAINDER,
                   help="-- the command and its arguments")
    args = p.parse_args(argv)
    if args.command and args.command[0] == "--":
        args.command = args.command[1:]
    if not args.command:
        p.error("no command given (put it after --)")
    if args.gpus < 1:
        p.error("--gpus must be at least 1")
    if args.timeout is not None and args.timeout < 0:
        p.error("--timeout must not be negative")
    if args.poll <= 0:
        p.error("--poll must be positive")
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    gs = _import_gpusched()
    return Launch(args, gs).run()


if __name__ == "__main__":
    sys.exit(main())
