#!/usr/bin/env python3
"""Run a command on the best free GPUs of this machine.

    python3 examples/launch.py --gpus 4 [--topo SRC] [--state FILE]
                               [--wait] [--timeout S] -- python train.py ...

Several launches on one machine share a state file that says which GPUs
each running launch holds. A launch:

1. gets the machine's topology: ``--topo`` (anything Topology.load accepts:
   a template name such as ``dgx1-v100``, a JSON file, an ``nvidia-smi topo
   -m`` capture...), else the library's probe (``Topology.probe``: the CUDA
   driver, NVML and hwloc; ``GPUSCHED_CUDA_LIBRARY`` names another driver
   library), else hwloc alone;
2. under an exclusive lock, forgets the launches whose processes are gone
   (a launcher killed with SIGKILL included) and places the job with a
   gpusched Scheduler on the topology: the GPUs other launches hold are
   drained, launches already waiting go first, and ``nvlink-pack`` picks
   the set with the most NVLink bandwidth;
3. records its GPUs, starts the command with ``CUDA_VISIBLE_DEVICES`` set
   and its CPU affinity limited to the GPUs' NUMA-local cores, and waits
   for it;
4. releases the GPUs when the command ends, and also when the launcher is
   told to stop (SIGTERM, SIGINT, SIGHUP are forwarded to the command; the
   launcher then releases and exits with the command's status).

When the GPUs are busy it exits with status 3 and says who holds them, or
with ``--wait`` waits in line (polling, ``--timeout`` seconds at most).

How a GPU is never given twice
------------------------------
The state is ``FILE`` (JSON: holds and the waiting line), ``FILE.lock``
(every read-modify-write holds ``flock`` on it) and ``FILE.holds/``, one
*hold file* per running launch, named by its id and holding its record
(GPUs, pids). ``FILE`` is replaced atomically (a temporary file, fsync,
rename), so a launcher killed at any moment leaves either the old state
or the new one.

A launch writes its hold file and locks it (flock) *before* it starts its
command, and the command inherits that lock (an open descriptor, kept
across exec). A hold is alive while its hold file is locked, or while its
launcher's or its command's recorded process exists (the pid with the
start time of /proc/PID/stat, so that a reused pid does not count). The
command records its own pid, under the lock, before it execs: no command
runs unrecorded, whenever the launcher is killed.

A damaged ``FILE`` (not JSON, not a launch state, empty, a number out of
range) is never taken for "nothing runs": it is kept as ``FILE.damaged``
and the holds are rebuilt from the hold files of the launches still
running (the waiting line is lost: waiting launches join it again). A hold
file that is damaged while its launch runs stops every launch with a
message saying which file, since its GPUs are then unknown.

CPU affinity rule: the command may run on the CPUs that the topology says
are local to its GPUs *and* that this process may run on now
(``os.sched_getaffinity``). When the topology describes another machine (a
template bigger than this one) and none of those CPUs exist here, the
command keeps the launcher's affinity. ``--no-affinity`` turns it off.

Exit status: the command's (128 + N when it was killed by signal N); 2 for
a usage or setup error (no topology, a request this machine can never
satisfy, an unusable state file); 3 when the GPUs are busy (or --timeout
expired).

For tests, ``GPUSCHED_LAUNCH_TEST_PAUSE=POINT:FILE`` makes the launch
write its pid to FILE and sleep at POINT: ``child-before-register`` (in
the new process, before it records itself) or ``after-start`` (in the
launcher, once the command runs).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import math
import os
import stat
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from typing import Dict, Iterator, List, NoReturn, Optional, Tuple

EXIT_SETUP = 2
EXIT_BUSY = 3
STATE_VERSION = 2
#: The largest state file read (a bigger one is damaged).
MAX_STATE_BYTES = 16 << 20
#: The largest hold file read.
MAX_HOLD_BYTES = 64 << 10
#: Room left in a hold file for the command's pid, written in place.
HOLD_SLACK = 160
#: Linux's PID_MAX_LIMIT: no pid is larger.
PID_MAX = 1 << 22
#: More GPUs than any node has: counts and indices above are errors.
MAX_GPUS = 1 << 16
#: seq, start times: integers JSON and doubles carry exactly.
MAX_COUNTER = 1 << 53
#: --timeout at most (about 31 years), --poll from and to.
MAX_TIMEOUT = 1e9
POLL_RANGE = (0.01, 3600.0)
TEST_PAUSE_ENV = "GPUSCHED_LAUNCH_TEST_PAUSE"
HOLD_ID = re.compile(r"[0-9a-f]{32}")
ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class LaunchError(Exception):
    """A reason to stop, said in one line (exit status 2)."""


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


def test_pause(point: str) -> None:
    """The test hook (see the module doc)."""
    spec = os.environ.get(TEST_PAUSE_ENV)
    if not spec:
        return
    want, _, marker = spec.partition(":")
    if want != point or not marker:
        return
    with open(marker + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.replace(marker + ".tmp", marker)
    time.sleep(60)


# ---- processes -----------------------------------------------------------


def proc_stat(pid: int) -> Optional[Tuple[str, int]]:
    """(state letter, start time in clock ticks since boot) of a process,
    None when it does not exist (or /proc cannot tell)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
        fields = stat[stat.rindex(")") + 2:].split()
        return fields[0], int(fields[19])
    except (OSError, ValueError, IndexError):
        return None


def proc_start_time(pid: int) -> Optional[int]:
    """The process's start time, to tell a live process from a new one that
    reused its pid; None if unknown."""
    st = proc_stat(pid)
    return None if st is None else st[1]


def proc_alive(pid: Optional[int], start: Optional[int]) -> bool:
    """Whether the process recorded as (pid, start) still runs."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: alive
    st = proc_stat(pid)
    if st is not None:
        if st[0] in ("Z", "X"):
            return False  # a zombie holds nothing
        if start is not None and st[1] != start:
            return False  # the pid was reused
    return True


# ---- the state -----------------------------------------------------------


def _is_int(v, lo: int, hi: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def _check_fields(entry, where: str, fields) -> Optional[str]:
    """The first problem of a hold or queue entry, or None. ``fields``:
    (name, check, required)."""
    if not isinstance(entry, dict):
        return f"{where} is not an object"
    for name, check, required in fields:
        if name not in entry:
            if required:
                return f"{where} has no {name!r}"
            continue
        if not check(entry[name]):
            return f"{where}.{name} = {json.dumps(entry[name])[:40]} is invalid"
    return None


def _pid(v) -> bool:
    return _is_int(v, 1, PID_MAX)


def _opt_pid(v) -> bool:
    return v is None or _pid(v)


def _start(v) -> bool:
    return v is None or _is_int(v, 0, MAX_COUNTER)


def _when(v) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool) and
            math.isfinite(v))


def _gpu_list(v) -> bool:
    return (isinstance(v, list) and len(v) <= MAX_GPUS and
            all(_is_int(g, 0, MAX_GPUS - 1) for g in v) and
            len(set(v)) == len(v))


def _strings(v) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


HOLD_FIELDS = (
    ("id", lambda v: isinstance(v, str) and ID.fullmatch(v) is not None,
     True),
    ("pid", _pid, True), ("pid_start", _start, False),
    ("child", _opt_pid, False), ("child_start", _start, False),
    ("gpus", _gpu_list, True),
    ("node", lambda v: v is None or isinstance(v, str), False),
    ("since", _when, False), ("command", _strings, False),
)
QUEUE_FIELDS = (
    ("id", lambda v: isinstance(v, str) and ID.fullmatch(v) is not None,
     True),
    ("pid", _pid, True), ("pid_start", _start, False),
    ("gpus", lambda v: _is_int(v, 1, MAX_GPUS), True),
    ("seq", lambda v: _is_int(v, 0, MAX_COUNTER), True),
    ("since", _when, False),
)


def check_state(state) -> Optional[str]:
    """What is wrong with a parsed state file, or None."""
    if not isinstance(state, dict):
        return "not a JSON object"
    if state.get("version") not in (1, STATE_VERSION):
        return f"version {json.dumps(state.get('version'))[:20]} is not 1 or 2"
    if not _is_int(state.get("seq"), 0, MAX_COUNTER):
        return "seq is not a count"
    for key, fields in (("holds", HOLD_FIELDS), ("queue", QUEUE_FIELDS)):
        entries = state.get(key)
        if not isinstance(entries, list):
            return f"{key} is not a list"
        ids = set()
        for i, entry in enumerate(entries):
            problem = _check_fields(entry, f"{key}[{i}]", fields)
            if problem:
                return problem
            if entry["id"] in ids:
                return f"{key}[{i}].id repeats another's"
            ids.add(entry["id"])
    return None


def default_state_path() -> str:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime) and os.access(runtime, os.W_OK):
        return os.path.join(runtime, "gpusched-launch.json")
    return os.path.join("/tmp", f"gpusched-launch-{os.getuid()}.json")


def fresh_state() -> dict:
    return {"version": STATE_VERSION, "seq": 0, "holds": [], "queue": []}


def _gpus_text(h) -> str:
    return ",".join(str(g) for g in h.get("gpus", []))


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_all(fd: int, limit: int) -> bytes:
    chunks = []
    size = 0
    while size <= limit:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


class StateFile:
    """The state shared by the launches of one machine (see the module
    doc): ``FILE``::

        {"version": 2, "seq": 7,
         "holds": [{"id", "pid", "pid_start", "child", "child_start",
                    "gpus": [0, 3], "node", "command", "since"}],
         "queue": [{"id", "pid", "pid_start", "gpus": 2, "seq", "since"}]}

    with ``FILE.lock`` and the hold files in ``FILE.holds/``."""

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        self.dir = os.path.dirname(self.path)
        self.base = os.path.basename(self.path)
        self.lock_path = self.path + ".lock"
        self.holds_dir = self.path + ".holds"
        self.damaged_path = self.path + ".damaged"

    def _fail(self, what: str, err: OSError) -> LaunchError:
        name = err.filename or self.path
        return LaunchError(f"state {self.path}: {what} {name}: "
                           f"{err.strerror or err}")

    def _prepare(self) -> None:
        if os.path.isdir(self.path):
            raise LaunchError(f"--state {self.path} is a directory: name a "
                              f"file (e.g. {os.path.join(self.path, 'gpusched-launch.json')})")
        # The state is replaced by rename and set aside when damaged: on
        # anything but a regular file (a device such as /dev/null, a FIFO,
        # a socket) that would replace the special file itself, and as root
        # it would succeed. Refuse before creating anything next to it.
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            st = None
        except OSError as e:
            raise self._fail("cannot read", e) from None
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise LaunchError(f"--state {self.path} is not a regular file "
                              f"(a device, FIFO or socket): name a file of "
                              f"its own, e.g. /tmp/gpusched-launch.json")
        try:
            os.makedirs(self.dir, exist_ok=True)
            os.makedirs(self.holds_dir, exist_ok=True)
        except OSError as e:
            raise self._fail("cannot create", e) from None
        if not os.path.isdir(self.holds_dir):
            raise LaunchError(f"state {self.path}: {self.holds_dir} must be "
                              f"a directory (of hold files)")

    @contextmanager
    def locked(self, placing: bool = True) -> Iterator[dict]:
        """The state, read under the lock with the dead launches reclaimed
        and the live ones recovered; written back (atomically) when the
        block changed it. ``placing``: the block gives out GPUs, so a
        running launch's damaged hold file stops it (see _scan_holds);
        releasing or recording a pid goes on regardless."""
        self._prepare()
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                         0o666)
        except OSError as e:
            raise self._fail("cannot open", e) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._clean_temporaries()
            state, damaged = self._read()
            self._reconcile(state, placing)
            before = json.dumps(state, sort_keys=True)
            yield state
            if damaged or json.dumps(state, sort_keys=True) != before:
                self._write(state)
        finally:
            os.close(fd)  # also releases the lock

    def _clean_temporaries(self) -> None:
        # every writer holds the lock: a temporary file seen now is the
        # leftover of a launch killed while writing
        prefix = f".{self.base}."
        for d, match in ((self.dir, lambda n: n.startswith(prefix) and
                          n.endswith(".tmp")),
                         (self.holds_dir, lambda n: n.startswith("."))):
            try:
                names = os.listdir(d)
            except OSError as e:
                raise self._fail("cannot list", e) from None
            for name in names:
                if match(name):
                    try:
                        os.unlink(os.path.join(d, name))
                    except FileNotFoundError:
                        pass
                    except OSError as e:
                        raise self._fail("cannot remove", e) from None

    def _slurp(self, path: str, limit: int,
                probe_lock: bool = False) -> Tuple[bytes, bool]:
        """(up to limit + 1 bytes of a file, whether another descriptor
        holds a lock on it (with ``probe_lock``)). FileNotFoundError goes
        through; other errors are LaunchError."""
        flags = os.O_RDONLY | os.O_CLOEXEC
        try:
            fd = os.open(path, flags | (os.O_NOFOLLOW if probe_lock else 0))
        except FileNotFoundError:
            raise
        except OSError as e:
            raise self._fail("cannot open", e) from None
        try:
            locked = False
            if probe_lock:
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    locked = True
            return _read_all(fd, limit), locked
        except OSError as e:
            raise self._fail("cannot read", e) from None
        finally:
            os.close(fd)

    def _read(self) -> Tuple[dict, bool]:
        """(state, whether it was damaged and rebuilt)."""
        try:
            raw, _ = self._slurp(self.path, MAX_STATE_BYTES)
        except FileNotFoundError:
            return fresh_state(), False
        state = None
        if len(raw) > MAX_STATE_BYTES:
            problem = f"larger than {MAX_STATE_BYTES >> 20} MiB"
        elif not raw.strip():
            problem = "empty"
        else:
            try:
                state = json.loads(raw.decode("utf-8"))
                problem = check_state(state)
            except (ValueError, UnicodeDecodeError, RecursionError) as e:
                problem = f"not JSON: {str(e)[:80]}"
        if problem is None:
            state["version"] = STATE_VERSION
            for h in state["holds"]:
                for key in ("pid_start", "child", "child_start"):
                    h.setdefault(key, None)
            for q in state["queue"]:
                q.setdefault("pid_start", None)
            return state, False
        try:
            os.replace(self.path, self.damaged_path)
        except OSError as e:
            raise self._fail(f"is damaged ({problem}) and cannot be moved "
                             f"to", e) from None
        say(f"warning: {self.path} is damaged ({problem}); kept as "
            f"{self.damaged_path}; the holds are rebuilt from the launches "
            f"still running")
        return fresh_state(), True

    # ---- hold files --------------------------------------------------

    def hold_path(self, hold_id: str) -> str:
        return os.path.join(self.holds_dir, hold_id)

    def _scan_holds(self, placing: bool):
        """{id: (record or None, locked)} of the hold files. A locked file
        whose record cannot be read stops a launch that is ``placing``:
        which GPUs its launch holds is unknown."""
        out = {}
        try:
            names = sorted(os.listdir(self.holds_dir))
        except OSError as e:
            raise self._fail("cannot list", e) from None
        for name in names:
            path = self.hold_path(name)
            if not HOLD_ID.fullmatch(name):
                continue  # not ours
            try:
                raw, locked = self._slurp(path, MAX_HOLD_BYTES,
                                          probe_lock=True)
            except FileNotFoundError:
                continue
            record = None
            try:
                record = json.loads(raw.decode("utf-8"))
                if (_check_fields(record, "hold", HOLD_FIELDS) is not None or
                        record["id"] != name):
                    record = None
            except (ValueError, UnicodeDecodeError, RecursionError):
                record = None
            if locked and record is None and placing:
                raise LaunchError(
                    f"hold file {path} is damaged while a running launch "
                    f"holds it: which GPUs it uses is unknown, so none can be "
                    f"given out. Stop that launch (`fuser -v {path}` names "
                    f"its processes), or remove the file once it has ended")
            out[name] = (record, locked)
        return out

    def _reconcile(self, state: dict, placing: bool) -> None:
        """Drop the holds and places in line of launches that are gone;
        add back the holds of running launches the state lacks."""
        files = self._scan_holds(placing)
        keep = []
        ids = set()
        for h in state["holds"]:
            record, locked = files.get(h["id"], (None, False))
            child = h.get("child") or (record or {}).get("child")
            child_start = (h.get("child_start") if h.get("child")
                           else (record or {}).get("child_start"))
            if (locked or proc_alive(h["pid"], h.get("pid_start")) or
                    proc_alive(child, child_start)):
                keep.append(h)
                ids.add(h["id"])
            else:
                say(f"reclaimed GPUs {_gpus_text(h)} of pid {h['pid']} "
                    f"(gone)")
        for hold_id, (record, locked) in files.items():
            if hold_id in ids:
                continue
            if record is not None and (
                    locked or proc_alive(record["pid"], record.get("pid_start"))
                    or proc_alive(record.get("child"),
                                  record.get("child_start"))):
                say(f"recovered the hold of pid {record['pid']} (GPUs "
                    f"{_gpus_text(record)}) from {self.hold_path(hold_id)}")
                keep.append(record)
                ids.add(hold_id)
                continue
            if locked:
                continue  # damaged, but its launch runs: leave it be
            try:
                os.unlink(self.hold_path(hold_id))
            except FileNotFoundError:
                pass
            except OSError as e:
                raise self._fail("cannot remove", e) from None
        state["holds"] = keep
        state["queue"] = [q for q in state["queue"]
                          if proc_alive(q["pid"], q.get("pid_start"))]

    def create_hold(self, record: dict) -> Tuple[int, int]:
        """Write and lock the hold file of ``record`` (under the state
        lock); returns (its descriptor, holding the lock, and its size)."""
        data = json.dumps(record, sort_keys=True).encode()
        data += b" " * HOLD_SLACK + b"\n"
        tmp = os.path.join(self.holds_dir, f".{record['id']}.tmp")
        try:
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL |
                         os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise self._fail("cannot create", e) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # a new file: never blocks
            os.write(fd, data)
            os.fsync(fd)
            os.replace(tmp, self.hold_path(record["id"]))
            _fsync_dir(self.holds_dir)
        except OSError as e:
            os.close(fd)
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise self._fail("cannot write", e) from None
        return fd, len(data)

    @staticmethod
    def update_hold(fd: int, size: int, record: dict) -> None:
        """Rewrite a hold file in place (same size: readers, who hold the
        state lock, see the old record or the new one)."""
        data = json.dumps(record, sort_keys=True).encode()
        if len(data) + 1 > size:
            raise LaunchError("hold record too long")
        os.pwrite(fd, data + b" " * (size - 1 - len(data)) + b"\n", 0)
        os.fsync(fd)

    def remove_hold(self, hold_id: str) -> None:
        try:
            os.unlink(self.hold_path(hold_id))
        except FileNotFoundError:
            pass

    def _write(self, state: dict) -> None:
        data = (json.dumps(state, indent=1, sort_keys=True) + "\n").encode()
        tmp = os.path.join(self.dir, f".{self.base}.{os.getpid()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC |
                         os.O_CLOEXEC, 0o666)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
            _fsync_dir(self.dir)
        except OSError as e:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise self._fail("cannot write", e) from None


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
        self.hold_fd: Optional[int] = None
        self.hold_size = 0
        self.record: Optional[dict] = None
        self.node_name: Optional[str] = None

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
        parts = [f"pid {h.get('pid')} (GPUs {_gpus_text(h)})"
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
                if not any(q["id"] == self.id for q in st["queue"]):
                    st["seq"] = st["seq"] + 1 if st["seq"] < MAX_COUNTER else 1
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
                    record = {
                        "id": self.id, "pid": self.pid,
                        "pid_start": self.pid_start, "child": None,
                        "child_start": None, "gpus": gpus,
                        "node": self.node_name, "since": time.time(),
                        "command": args.command[:8]}
                    # the hold file first: once the state names the hold,
                    # its file must be there and locked
                    self.hold_fd, self.hold_size = self.state.create_hold(
                        record)
                    self.record = record
                    st["holds"].append(dict(record))
                    self.holding = True
                    return got
                holders = self._holders(st)
            if self.signal is not None:
                # it may have come after the line was updated above
                with self.state.locked(placing=False) as st:
                    st["queue"] = [q for q in st["queue"]
                                   if q["id"] != self.id]
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

    def register_child(self) -> None:
        """Run in the new process before it execs the command: record its
        pid in the state and in the hold file, under the lock."""
        pid = os.getpid()
        start = proc_start_time(pid)
        with self.state.locked(placing=False) as st:
            for h in st["holds"]:
                if h["id"] == self.id:
                    h["child"], h["child_start"] = pid, start
                    break
            else:  # cannot happen: the hold file is locked by us
                raise LaunchError("this launch's hold vanished from the state")
            self.record.update(child=pid, child_start=start)
            self.state.update_hold(self.hold_fd, self.hold_size, self.record)

    def release(self) -> None:
        if not self.holding:
            return
        with self.state.locked(placing=False) as st:
            st["holds"] = [h for h in st["holds"] if h["id"] != self.id]
            st["queue"] = [q for q in st["queue"] if q["id"] != self.id]
            self.state.remove_hold(self.id)
        self.holding = False
        if self.hold_fd is not None:
            os.close(self.hold_fd)
            self.hold_fd = None

    def run(self) -> int:
        args, gs = self.args, self.gs
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self.on_signal)
        if args.placement not in gs.placements():
            die(f"--placement {args.placement}: no such policy (there are: "
                f"{', '.join(gs.placements())})", EXIT_SETUP)
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
            env.pop(TEST_PAUSE_ENV, None)
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
                # in the new process, before exec: die with the launcher
                # (Linux), record this process under the lock, then pin it
                # to the local CPUs. Nothing may escape from here (the
                # parent would only see "Exception occurred in preexec_fn").
                try:
                    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                        signal.signal(sig, signal.SIG_DFL)
                    if prctl is not None:
                        prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PDEATHSIG
                    if os.getppid() != parent:
                        os._exit(128 + signal.SIGTERM)
                    test_pause("child-before-register")
                    self.register_child()
                    if os.getppid() != parent:  # the launcher is gone
                        os._exit(128 + signal.SIGTERM)
                    if cpus is not None:
                        os.sched_setaffinity(0, cpus)
                except BaseException as e:  # noqa: B902 (see above)
                    say(f"cannot start {args.command[0]}: {e}")
                    os._exit(126)

            try:
                self.child = subprocess.Popen(args.command, env=env,
                                              preexec_fn=in_child,
                                              pass_fds=(self.hold_fd,))
            except OSError as e:
                say(f"cannot run {args.command[0]}: {e}")
                return 127 if isinstance(e, FileNotFoundError) else 126
            if self.signal is not None:  # arrived while starting it
                self.on_signal(self.signal, None)
            test_pause("after-start")
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


# ---- the command line ----------------------------------------------------


def _count(text: str) -> int:
    """--gpus: a whole number from 1 to MAX_GPUS."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_GPUS:
        raise argparse.ArgumentTypeError(
            f"{text} is out of range (1 to {MAX_GPUS})")
    return value


def _seconds(lo: float, hi: float):
    """A type for a duration in seconds within [lo, hi] (no NaN, no
    infinity)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a number of seconds") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(
                f"{text} is not a finite number of seconds")
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(
                f"{text} is out of range ({lo:g} to {hi:g} seconds)")
        return value
    parse.__name__ = "seconds"
    return parse


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="launch.py",
        usage="%(prog)s --gpus N [options] -- COMMAND [ARG...]",
        description="Run a command on the best free GPUs of this machine "
                    "(NVLink-aware), sharing them with other launches "
                    "through a state file.",
        epilog="Examples:\n"
               "  launch.py --gpus 2 --topo dgx1-v100 -- python train.py\n"
               "  launch.py --gpus 4 --wait --timeout 600 -- ./job.sh\n\n"
               "Exit status: the command's (128+N when killed by signal N); "
               "2 for a usage or setup error; 3 when the GPUs are busy.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gpus", type=_count, required=True, metavar="N",
                   help=f"GPUs to use (1 to {MAX_GPUS}; required)")
    p.add_argument("--topo", metavar="SRC",
                   help="the machine: a template name, a file (JSON, "
                   "nvidia-smi topo -m, hwloc XML...); default: probe it "
                   "(CUDA driver, NVML, hwloc; else hwloc alone)")
    p.add_argument("--node", metavar="NAME",
                   help="which node of the topology this machine is "
                   "(default: this hostname, or the only node)")
    p.add_argument("--state", metavar="FILE",
                   help="state file shared by the launches of this machine "
                   "(default: $XDG_RUNTIME_DIR/gpusched-launch.json or "
                   "/tmp/gpusched-launch-UID.json); FILE.lock and "
                   "FILE.holds/ go next to it")
    p.add_argument("--wait", action="store_true",
                   help="wait in line while the GPUs are busy")
    p.add_argument("--timeout", type=_seconds(0, MAX_TIMEOUT), metavar="S",
                   help="with --wait: give up after S seconds (default: "
                   "never)")
    p.add_argument("--poll", type=_seconds(*POLL_RANGE), default=0.2,
                   metavar="S",
                   help=f"seconds between tries while waiting ({POLL_RANGE[0]:g}"
                   f" to {POLL_RANGE[1]:g}; default 0.2)")
    p.add_argument("--placement", default="nvlink-pack", metavar="POLICY",
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
    if args.timeout is not None and not args.wait:
        p.error("--timeout needs --wait")
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    gs = _import_gpusched()
    try:
        return Launch(args, gs).run()
    except LaunchError as e:
        die(str(e), EXIT_SETUP)
    except gs.Error as e:
        die(f"{e}", EXIT_SETUP)


if __name__ == "__main__":
    sys.exit(main())
