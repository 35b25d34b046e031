#!/usr/bin/env python3
"""Run a command on the best free GPUs of this machine.

    python3 examples/launch.py --gpus 4 [--topo SRC] [--state FILE]
                               [--wait] [--timeout S] -- python train.py ...

Several launches on one machine share a state file that says which GPUs
each running launch holds and who waits: a gpusched scheduler snapshot (see
"The state file" below). A launch:

1. gets the machine's topology: ``--topo`` (anything Topology.load accepts:
   a template name such as ``dgx1-v100``, a JSON file, an ``nvidia-smi topo
   -m`` capture...), else the library's probe (``Topology.probe``: the CUDA
   driver, NVML and hwloc; ``GPUSCHED_CUDA_LIBRARY`` names another driver
   library), else hwloc alone;
2. under an exclusive lock, restores the scheduler from the state file,
   ends the jobs of launches whose processes are gone (a launcher killed
   with SIGKILL included), joins the line (submits a job) and steps the
   scheduler: launches already waiting go first (fifo), and
   ``nvlink-pack`` picks the set with the most NVLink bandwidth;
3. when its job runs, writes its hold file, saves the scheduler back to
   the state file (when it changed), starts the command with ``CUDA_VISIBLE_DEVICES`` set
   and its CPU affinity limited to the GPUs' NUMA-local cores, and waits
   for it;
4. releases the GPUs when the command ends, and also when the launcher is
   told to stop (SIGTERM, SIGINT, SIGHUP are forwarded to the command; the
   launcher then releases and exits with the command's status).

When the GPUs are busy it exits with status 3 and says who holds them, or
with ``--wait`` waits in line (polling, ``--timeout`` seconds at most).

The state file
--------------
``FILE`` is a snapshot of a gpusched scheduler, in the library's own
versioned, checksummed format (docs/formats.md): ``Scheduler.snapshot()``
makes it and ``Scheduler.restore()`` reads it, and ``gpusched state show
FILE`` prints it. It is written by this launcher's atomic replace (below)
rather than by ``Scheduler.save()`` or a journal (``Scheduler.open()``),
which open their files by path: every file under the state must be
checked and opened as described in "Files under the state". The scheduler runs on the topology with every node but
this machine's drained, ``fifo`` order and no memory of ended jobs
(``keep_seconds=0, keep_count=0``). Each launch is one job, named
``pid=PID start=START launch=ID`` (its launcher's pid and the start time
of /proc/PID/stat, ``-`` when unknown, and its id, the name of its hold
file), of the user running it:

* a **running** job is a hold: the GPUs of its allocation are the
  launch's. A job runs once a step started it: the launch's own, or
  another launch's step while it waited (it takes the GPUs at its next
  look, writing its hold file);
* a **pending** job is a place in line: the launches waiting, in the
  order of their jobs (submission time, then id).

Every launch that changes the state (joins, leaves, releases, ends the
job of a launch that is gone) steps the scheduler before saving it, so
the saved state holds the scheduler's decisions. Times are whole seconds
of ``time.time()``, but never earlier than the scheduler's clock (which
refuses going back): a system clock set back does not stop launches.

The snapshot is the record of which GPUs are held; the hold files are the
record of which processes hold them (a job's name cannot change, and the
command's pid is known only once it runs). When they disagree the hold
files win: a running launch whose hold file the state lacks (the state
was lost, or replaced by an older copy) is put back as a running job on
its GPUs, the scheduler being made anew (its launches kept, in their
order). It is also made anew, keeping its launches, when it was made with
another ``--placement`` (the state's scheduler places with the policy of
the launch that last made it) or for another ``--node``. A snapshot of
another topology (another ``--topo``: GPU numbers that are not this
one's) is replaced by one made from the hold files of the launches still
running; launches waiting in it join the line again.

Earlier versions of this launcher kept ``FILE`` as JSON (holds and the
waiting line). Such a file is migrated at the first launch: its live
holds become running jobs on their GPUs, its live places in line pending
jobs in the same order, and the file is replaced by a snapshot (saying
so). The hold files have not changed, so an earlier launcher running
meanwhile still sees every hold (it takes the snapshot for a damaged
state and rebuilds it from the hold files, and the next launch migrates
it back): no GPU is given twice, but waiting lines are lost at each
switch. ``FILE`` keeps its default name (``gpusched-launch.json``) for
that reason.

How a GPU is never given twice
------------------------------
The state is ``FILE`` (the snapshot), ``FILE.lock`` (every
read-modify-write holds ``flock`` on it) and ``FILE.holds/``, one *hold
file* per running launch, named by its id and holding its record (GPUs,
pids, user, command). ``FILE`` is replaced atomically (a temporary file
made with O_EXCL, fsync, rename, fsync of the directory), so a launcher
killed at any moment leaves either the old state or the new one. A
launcher killed while its command runs leaves the state as it was: its
job stays running, held by its command (below), and the first launch
after the command has ended completes it.

A launch writes its hold file and locks it (flock) *before* it starts its
command, and the command inherits that lock (an open descriptor, kept
across exec). A hold is alive while its hold file is locked, or while its
launcher's or its command's recorded process exists (the pid with the
start time of /proc/PID/stat, so that a reused pid does not count: the
launcher's in its job's name and its hold file, the command's in its hold
file). The command records its own pid in the hold file, under the lock,
before it execs: no command runs unrecorded, whenever the launcher is
killed. A waiting launch has no hold file: its place in line lives while
its launcher does.

Files under the state
---------------------
The launcher may run as root, and anyone who can write to the state's
directory can put anything there: it opens no file under its state (the
state, the lock, the hold files, its temporary files) that is not a
regular file. It looks first (``lstat``), then opens with ``O_NONBLOCK``
(a FIFO would block ``open`` until a writer came) and ``O_NOFOLLOW``, and
checks the open file again (``fstat``), so a special file swapped in
meanwhile is not read or written either. It creates its files with
``O_EXCL``, works inside the state's directory and ``FILE.holds/`` through
descriptors opened once per step (a directory swapped meanwhile redirects
nothing), and renames over, removes or writes nothing but regular files:

* ``FILE`` itself, ``FILE.lock`` or ``FILE.damaged`` being anything else (a
  FIFO, socket, device, directory or symbolic link), or ``FILE.holds``
  being anything but a directory (a symbolic link included), stops the
  launch with a one-line message naming it (exit status 2): the launch
  cannot work without them, and must not replace them.
* An entry of ``FILE.holds/`` named like a hold file that is not a regular
  file is *ignored*, with a warning naming it (once per launch), and left
  in place: launches only ever create regular files there, so it holds no
  GPUs (a running launch's hold is still in ``FILE``, with its pids), and
  refusing would let one stray entry stop every launch of the machine.
  Leftover temporary files are removed only when they are regular files
  with the exact names launches give them.

A launch waiting for GPUs or for the state lock (which it polls, at most
``SIGNAL_LATENCY`` apart) ends within about that time on SIGTERM, SIGINT
or SIGHUP, taking itself out of the waiting line if the lock comes within
``TIDY_PATIENCE`` seconds (else the next launch drops it, its pid being
gone); so does the new process of a launch waiting for the lock to record
itself (the launcher tells it through a pipe). A launch that cannot take
the lock to release its GPUs after a signal leaves them, after
``TIDY_PATIENCE`` seconds, to the next launch, which takes them back once
the launch's processes are gone.

A damaged ``FILE`` (empty, cut short or altered, so that restore fails
its checksum or format checks; a snapshot whose jobs are not launches';
JSON that is not a launch state of an earlier version) is never taken for
"nothing runs": it is kept as ``FILE.damaged`` and the holds are rebuilt
from the hold files of the launches still running (the waiting line is
lost: waiting launches join it again). A hold file that is damaged while
its launch runs, or two hold files of running launches claiming one GPU,
stop every launch that would give out GPUs with a message saying which
files, since which launch uses those GPUs is then unknown.

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
write its pid to FILE and wait at POINT until FILE is removed (60 s at
most): ``child-before-register`` (in the new process, before it records
itself) or ``after-start`` (in the launcher, once the command runs).
"""

from __future__ import annotations

import argparse
import errno
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
#: How a gpusched snapshot begins (docs/formats.md).
SNAPSHOT_MAGIC = b"GSSTATE\n"
#: The versions of the JSON state of earlier launchers (migrated).
JSON_VERSIONS = (1, 2)
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
#: The longest pause between tries for a busy state lock, and between looks
#: for a signal while waiting for GPUs: how late a launch told to stop
#: notices.
SIGNAL_LATENCY = 0.05
#: A launch that is stopping waits this long at most for the state lock to
#: tidy up after itself (leave the waiting line, release its GPUs).
TIDY_PATIENCE = 2.0
TEST_PAUSE_ENV = "GPUSCHED_LAUNCH_TEST_PAUSE"
HOLD_ID = re.compile(r"[0-9a-f]{32}")
#: Leftover temporary hold files of earlier versions (written, then renamed).
HOLD_TMP = re.compile(r"\.[0-9a-f]{32}\.tmp")
#: How files under the state are opened: a FIFO would block open() until a
#: writer came, and a symbolic link would redirect the access.
SAFE_OPEN = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: The name of a launch's job in the state: its launcher's pid and start
#: time (see proc_alive; "-" when unknown) and the launch's id (its hold
#: file's name).
NAME = re.compile(r"pid=(?P<pid>[1-9][0-9]{0,6}) start=(?P<start>-|[0-9]{1,16}) "
                  r"launch=(?P<launch>[A-Za-z0-9_-]{1,64})")


class LaunchError(Exception):
    """A reason to stop, said in one line (exit status 2)."""


class NotRegular(LaunchError):
    """A path under the state names something that is not a regular file."""

    def __init__(self, path: str, mode: int):
        self.path = path
        self.kind = file_kind(mode)
        super().__init__(f"{path} is {self.kind}, not a regular file")


class Interrupted(Exception):
    """A wait for the state lock given up (a signal came)."""


def file_kind(mode: int) -> str:
    """What a file is, for messages."""
    for is_kind, name in ((stat.S_ISREG, "a regular file"),
                          (stat.S_ISDIR, "a directory"),
                          (stat.S_ISLNK, "a symbolic link"),
                          (stat.S_ISFIFO, "a FIFO"),
                          (stat.S_ISSOCK, "a socket"),
                          (stat.S_ISCHR, "a character device"),
                          (stat.S_ISBLK, "a block device")):
        if is_kind(mode):
            return name
    return "a special file"


def _lstat(dir_fd: int, name: str) -> Optional[os.stat_result]:
    """The entry ``name`` of a directory itself (a link not followed), None
    when there is none."""
    try:
        return os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return None


def _identity(st: os.stat_result) -> Tuple[int, int]:
    return st.st_dev, st.st_ino


def open_regular(dir_fd: int, name: str, path: str, flags: int,
                 mode: int = 0o666) -> int:
    """Open the entry ``name`` of a directory (``path`` in messages) if it is
    a regular file, creating one when ``flags`` has O_CREAT. Anything else
    found by lstat is not opened; one swapped in since is opened without
    blocking and without following a link, and refused after fstat.
    Raises NotRegular, or the OSError of os.open."""
    st = _lstat(dir_fd, name)
    if st is None and not flags & os.O_CREAT:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise NotRegular(path, st.st_mode)
    try:
        fd = os.open(name, flags | SAFE_OPEN, mode, dir_fd=dir_fd)
    except OSError as e:
        # a symbolic link (ELOOP), a socket (ENXIO)... swapped in: say so
        try:
            st = _lstat(dir_fd, name)
        except OSError:
            st = None
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise NotRegular(path, st.st_mode) from None
        raise OSError(e.errno, e.strerror, path) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegular(path, st.st_mode)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def remove_regular(dir_fd: int, name: str,
                   identity: Optional[Tuple[int, int]] = None) -> bool:
    """Remove the entry ``name`` of a directory if it is a regular file
    (the one of ``identity``, (device, inode), when given): anything else is
    left alone. Whether it was removed."""
    st = _lstat(dir_fd, name)
    if st is None or not stat.S_ISREG(st.st_mode):
        return False
    if identity is not None and _identity(st) != identity:
        return False
    try:
        os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return False
    return True


def take_lock(fd: int, give_up=None) -> None:
    """flock(LOCK_EX) on ``fd``. With ``give_up`` (a function), a busy lock
    is polled, at most SIGNAL_LATENCY apart, and Interrupted raised once
    ``give_up()`` is true: a blocking flock would go on after a signal
    (Python retries the interrupted call)."""
    if give_up is None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    pause = 0.001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if give_up():
            raise Interrupted()
        time.sleep(pause)
        pause = min(2 * pause, SIGNAL_LATENCY)


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
    end = time.monotonic() + 60
    while os.path.exists(marker) and time.monotonic() < end:
        time.sleep(0.02)


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
#
# FILE is a gpusched scheduler snapshot (Scheduler.snapshot(), restored with
# Scheduler.restore()): a running job per hold, a pending job per launch in
# line. A job's name says whose it is (NAME below); the hold files keep the
# rest of a running launch's record (its command's pid, which is known only
# once the job runs).


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


def _launch_id(v) -> bool:
    return isinstance(v, str) and ID.fullmatch(v) is not None


HOLD_FIELDS = (
    ("id", _launch_id, True),
    ("pid", _pid, True), ("pid_start", _start, False),
    ("child", _opt_pid, False), ("child_start", _start, False),
    ("gpus", _gpu_list, True),
    ("node", lambda v: v is None or isinstance(v, str), False),
    ("user", lambda v: v is None or isinstance(v, str), False),
    ("since", _when, False), ("command", _strings, False),
)
#: The queue entries of the JSON state of earlier versions.
QUEUE_FIELDS = (
    ("id", _launch_id, True),
    ("pid", _pid, True), ("pid_start", _start, False),
    ("gpus", lambda v: _is_int(v, 1, MAX_GPUS), True),
    ("seq", lambda v: _is_int(v, 0, MAX_COUNTER), True),
    ("since", _when, False),
)


def check_json_state(state) -> Optional[str]:
    """What is wrong with a parsed JSON state file of an earlier version
    (1 or 2), or None."""
    if not isinstance(state, dict):
        return "not a JSON object"
    if state.get("version") not in JSON_VERSIONS:
        return (f"version {json.dumps(state.get('version'))[:20]} is not 1 "
                f"or 2")
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
    # the names of earlier versions (whose state was JSON): a launch of an
    # earlier version running meanwhile uses the same files (see the module
    # doc)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime) and os.access(runtime, os.W_OK):
        return os.path.join(runtime, "gpusched-launch.json")
    return os.path.join("/tmp", f"gpusched-launch-{os.getuid()}.json")


def job_name(launch: str, pid: int, pid_start: Optional[int]) -> str:
    """The name of a launch's job in the scheduler (see NAME)."""
    start = "-" if pid_start is None else str(pid_start)
    return f"pid={pid} start={start} launch={launch}"


def user_name() -> str:
    """Who runs this launch (the jobs' user in the state)."""
    try:
        import pwd
        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return str(os.getuid())


def _gpus_text(gpus) -> str:
    return ",".join(str(g) for g in gpus)


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


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class Entry:
    """A launch in the state: a running job (it holds ``gpus``, indices on
    the node) or a pending one (it waits for ``count`` GPUs)."""

    def __init__(self, launch: str, pid: int, pid_start: Optional[int],
                 user: Optional[str], count: int,
                 gpus: Optional[List[int]] = None, job: int = 0,
                 submit_time: Optional[int] = None):
        self.launch = launch
        self.pid = pid
        self.pid_start = pid_start
        self.user = user
        self.count = count
        #: local GPU indices (running), None (pending)
        self.gpus = gpus
        #: the scheduler's job id
        self.job = job
        self.submit_time = submit_time

    @property
    def running(self) -> bool:
        return self.gpus is not None

    @property
    def name(self) -> str:
        return job_name(self.launch, self.pid, self.pid_start)


class Damaged(Exception):
    """FILE cannot be taken for a launch state (why: the message)."""


class Shared:
    """The state as a launch sees it under the lock: the scheduler restored
    from FILE (or rebuilt), with the launches that are gone taken out. The
    calls below change it; the scheduler then steps (settle()) so that
    the state written holds its decisions: which waiting launches may
    start, on which GPUs."""

    def __init__(self, placer: "Placer", sched, floor: Optional[int]):
        self.placer = placer
        self.sched = sched
        clock = sched.clock_time
        # the scheduler refuses a time earlier than its clock, and
        # time.time() may go back: never earlier than what it was given
        self.now = max([int(time.time())] +
                       [t for t in (clock, floor) if t is not None])
        self.dirty = False

    def close(self) -> None:
        self.sched.close()

    def entries(self) -> List[Entry]:
        """Every launch in the state, running ones first, then those in
        line in their order."""
        out = []
        for job in self.sched.jobs():
            if job.state not in (self.placer.gs.JobState.RUNNING,
                                 self.placer.gs.JobState.PENDING):
                continue  # ended: forgotten at the next step
            m = NAME.fullmatch(job.name or "")
            if m is None:
                raise Damaged(f"job {job.id} is not a launch's (named "
                              f"{(job.name or '')[:60]!r})")
            gpus = None
            if job.running:
                nodes = self.sched.allocation(job.id).nodes
                if len(nodes) != 1 or nodes[0].node != self.placer.node:
                    gpus = []   # elsewhere: see Shared.elsewhere
                    self.elsewhere = True
                else:
                    gpus = list(nodes[0].gpus)
            start = m.group("start")
            out.append(Entry(m.group("launch"), int(m.group("pid")),
                             None if start == "-" else int(start), job.user,
                             job.gpus, gpus, job.id, job.submit_time))
        out.sort(key=lambda e: (not e.running, e.submit_time, e.job))
        return out

    #: a running job on another node than this launch's (set by entries())
    elsewhere = False

    def holds(self) -> List[Entry]:
        return [e for e in self.entries() if e.running]

    def queue(self) -> List[Entry]:
        return [e for e in self.entries() if not e.running]

    def find(self, launch: str) -> Optional[Entry]:
        for e in self.entries():
            if e.launch == launch:
                return e
        return None

    def join(self, launch: str, pid: int, pid_start: Optional[int],
             user: Optional[str], gpus: int) -> None:
        """Put a launch in line (last)."""
        self.sched.submit(gpus, max_nodes=1,
                          name=job_name(launch, pid, pid_start), user=user,
                          submit_time=self.now)
        self.dirty = True

    def leave(self, launch: str, ran: bool = False) -> None:
        """Take a launch out: its GPUs are free again, or its place in
        line is given up. ``ran``: its command ran (the job completes;
        otherwise it is cancelled)."""
        e = self.find(launch)
        if e is None:
            return
        if e.running and ran:
            self.sched.complete(e.job, now=self.now)
        else:
            self.sched.cancel(e.job, now=self.now)
        self.dirty = True

    def settle(self) -> None:
        """Step the scheduler when something changed: start the launches
        in line that can start now (in their order), forget the ended
        ones."""
        if self.dirty:
            self.sched.step(now=self.now)
            self.dirty = False

    def placement(self, launch: str):
        """(local GPU indices, CUDA_VISIBLE_DEVICES with indices, with
        UUIDs) of a running launch."""
        e = self.find(launch)
        alloc = self.sched.allocation(e.job)
        return (list(alloc.nodes[0].gpus), alloc.cuda_visible_devices(),
                alloc.cuda_visible_devices(uuids=True))

    def why_waiting(self, launch: str) -> str:
        e = self.find(launch)
        return self.sched.pending_reason(e.job)[1]


class StateFile:
    """The state shared by the launches of one machine (see the module
    doc): ``FILE``, a gpusched scheduler snapshot (running jobs: the
    holds; pending jobs: the waiting line; each job named by its launch,
    see NAME), with ``FILE.lock`` and the hold files in ``FILE.holds/``.
    Everything is done inside ``locked()``, relative to the descriptors of
    the state's directory and of ``FILE.holds/`` it opens."""

    def __init__(self, path: str, placer: Optional["Placer"] = None):
        self.path = os.path.abspath(path)
        self.placer = placer
        self.dir = os.path.dirname(self.path)
        self.base = os.path.basename(self.path)
        self.lock_name = self.base + ".lock"
        self.holds_name = self.base + ".holds"
        self.damaged_name = self.base + ".damaged"
        self.lock_path = self.path + ".lock"
        self.holds_dir = self.path + ".holds"
        self.damaged_path = self.path + ".damaged"
        # the temporary files of _write (with the pid instead of the random
        # part before)
        self._tmp_name = re.compile(re.escape(f".{self.base}.") +
                                    r"[0-9a-f]+\.tmp")
        self._dir_fd: Optional[int] = None
        self._holds_fd: Optional[int] = None
        self._warned = set()

    def _fail(self, what: str, path: str, err: OSError) -> LaunchError:
        return LaunchError(f"state {self.path}: {what} {path}: "
                           f"{err.strerror or err}")

    def _refuse(self, err: NotRegular, what: str = "") -> LaunchError:
        return LaunchError(f"state {self.path}: {what}{err}: remove it (the "
                           f"launcher makes its own)")

    def _open_dirs(self) -> None:
        # The state is replaced by rename and set aside when damaged: on
        # anything but a regular file (a device such as /dev/null, a FIFO,
        # a socket) that would replace the special file itself, and as root
        # it would succeed; on a symbolic link, the link. Refuse before
        # creating anything next to it.
        try:
            st = os.lstat(self.path)
        except FileNotFoundError:
            st = None
        except OSError as e:
            raise self._fail("cannot read", self.path, e) from None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise LaunchError(f"--state {self.path} is a directory: name a "
                              f"file (e.g. {os.path.join(self.path, 'gpusched-launch.json')})")
        if st is not None and stat.S_ISLNK(st.st_mode):
            raise LaunchError(f"--state {self.path} is a symbolic link: name "
                              f"the file itself (the state is replaced by "
                              f"rename, which would replace the link)")
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise LaunchError(f"--state {self.path} is not a regular file "
                              f"({file_kind(st.st_mode)}): name a file of "
                              f"its own, e.g. /tmp/gpusched-launch.json")
        try:
            os.makedirs(self.dir, exist_ok=True)
        except OSError as e:
            raise self._fail("cannot create", self.dir, e) from None
        try:
            self._dir_fd = os.open(self.dir, os.O_RDONLY | os.O_DIRECTORY |
                                   os.O_CLOEXEC)
        except OSError as e:
            raise self._fail("cannot open", self.dir, e) from None
        try:
            os.mkdir(self.holds_name, 0o777, dir_fd=self._dir_fd)
        except FileExistsError:
            pass
        except OSError as e:
            raise self._fail("cannot create", self.holds_dir, e) from None
        try:
            st = _lstat(self._dir_fd, self.holds_name)
            if st is not None and stat.S_ISDIR(st.st_mode):
                self._holds_fd = os.open(
                    self.holds_name, os.O_RDONLY | os.O_DIRECTORY | SAFE_OPEN,
                    dir_fd=self._dir_fd)
                st = os.fstat(self._holds_fd)
        except OSError as e:
            raise self._fail("cannot open", self.holds_dir, e) from None
        if st is None or not stat.S_ISDIR(st.st_mode):
            kind = "gone" if st is None else file_kind(st.st_mode)
            raise LaunchError(f"state {self.path}: {self.holds_dir} is "
                              f"{kind}, not a directory (of hold files): "
                              f"remove it")

    def _close_dirs(self) -> None:
        for fd in (self._holds_fd, self._dir_fd):
            if fd is not None:
                os.close(fd)
        self._holds_fd = self._dir_fd = None

    @contextmanager
    def lock_only(self, give_up=None) -> Iterator[None]:
        """The state lock, without reading the state (to rewrite a hold
        file, which readers read under the lock). ``give_up``: see
        take_lock (Interrupted before the block runs)."""
        try:
            self._open_dirs()
            try:
                fd = open_regular(self._dir_fd, self.lock_name,
                                  self.lock_path, os.O_RDWR | os.O_CREAT)
            except NotRegular as e:
                raise self._refuse(e) from None
            except OSError as e:
                raise self._fail("cannot open", self.lock_path, e) from None
            try:
                take_lock(fd, give_up)
                yield
            finally:
                os.close(fd)  # also releases the lock
        finally:
            self._close_dirs()

    @contextmanager
    def locked(self, placing: bool = True, give_up=None) -> Iterator[Shared]:
        """The state, read under the lock with the dead launches reclaimed
        and the live ones recovered; the block changes it through the
        Shared it gets, which then steps, and the snapshot is written back
        (atomically) when it differs from FILE. ``placing``: the block
        gives out GPUs, so a running launch's damaged hold file, or two
        holds claiming one GPU, stops it (see _scan_holds); releasing goes
        on regardless. ``give_up``: see take_lock (Interrupted before the
        block runs)."""
        with self.lock_only(give_up):
            self._clean_temporaries()
            raw = self._read()
            shared = self._load(raw, self._scan_holds(placing), placing)
            try:
                yield shared
                shared.settle()
                data = shared.sched.snapshot()
                if data != raw:
                    self._write(data)
            finally:
                shared.close()

    def _clean_temporaries(self) -> None:
        # every writer holds the lock: a temporary file seen now is the
        # leftover of a launch killed while writing
        for dir_fd, where, name_re in (
                (self._dir_fd, self.dir, self._tmp_name),
                (self._holds_fd, self.holds_dir, HOLD_TMP)):
            try:
                names = os.listdir(dir_fd)
            except OSError as e:
                raise self._fail("cannot list", where, e) from None
            for name in names:
                if name_re.fullmatch(name):
                    try:
                        remove_regular(dir_fd, name)
                    except OSError as e:
                        raise self._fail("cannot remove",
                                         os.path.join(where, name), e) from None

    def _slurp(self, dir_fd: int, name: str, path: str, limit: int,
               probe_lock: bool = False) -> Tuple[bytes, bool, Tuple[int, int]]:
        """(up to limit + 1 bytes of a regular file, whether another
        descriptor holds a lock on it (with ``probe_lock``), its identity).
        FileNotFoundError and NotRegular go through; other errors are
        LaunchError."""
        try:
            fd = open_regular(dir_fd, name, path, os.O_RDONLY)
        except (FileNotFoundError, NotRegular):
            raise
        except OSError as e:
            raise self._fail("cannot open", path, e) from None
        try:
            identity = _identity(os.fstat(fd))
            locked = False
            if probe_lock:
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    locked = True
            return _read_all(fd, limit), locked, identity
        except OSError as e:
            raise self._fail("cannot read", path, e) from None
        finally:
            os.close(fd)

    def _read(self) -> Optional[bytes]:
        """FILE's bytes (None when there is none); self._identity is its
        identity, for _set_aside."""
        self._identity = None
        try:
            raw, _, self._identity = self._slurp(
                self._dir_fd, self.base, self.path, MAX_STATE_BYTES)
        except FileNotFoundError:
            return None
        except NotRegular as e:  # swapped in since _open_dirs looked
            raise self._refuse(e) from None
        return raw

    # ---- from FILE to a scheduler ------------------------------------

    def _load(self, raw: Optional[bytes], files, placing: bool) -> Shared:
        """The Shared state from FILE's bytes and the hold files: the
        snapshot restored, or (missing, damaged, of another topology, of an
        earlier version) a scheduler rebuilt from what is known."""
        gs, placer = self.placer.gs, self.placer
        if raw is None:
            return self._rebuild([], [], files, placing, None)
        if len(raw) > MAX_STATE_BYTES:
            return self._damaged(f"larger than {MAX_STATE_BYTES >> 20} MiB",
                                 files, placing)
        if not raw.startswith(SNAPSHOT_MAGIC):
            return self._from_json(raw, files, placing)
        try:
            sched = gs.Scheduler.restore(placer.topo, raw, name=self.path)
        except gs.InconsistentError as e:
            # a snapshot of another description of the machine (another
            # --topo): its GPU numbers are not ours to trust
            say(f"warning: {self.path} was written for another topology "
                f"({e}); made anew, with the holds of the launches still "
                f"running (from their hold files); launches waiting for it "
                f"join the line again")
            return self._rebuild([], [], files, placing, None)
        except gs.Error as e:
            return self._damaged(str(e), files, placing)
        shared = Shared(placer, sched, None)
        try:
            return self._reconcile(shared, files, placing)
        except Damaged as e:
            shared.close()
            return self._damaged(str(e), files, placing)
        except BaseException:
            shared.close()
            raise

    def _damaged(self, problem: str, files, placing: bool) -> Shared:
        self._set_aside(problem)
        say(f"warning: {self.path} is damaged ({problem}); kept as "
            f"{self.damaged_path}; the holds are rebuilt from the launches "
            f"still running")
        return self._rebuild([], [], files, placing, None)

    def _from_json(self, raw: bytes, files, placing: bool) -> Shared:
        """The JSON state of an earlier version of this launcher,
        migrated: its live holds become running jobs, its live queue
        pending jobs in the same order. Anything else is damaged."""
        if not raw.strip():
            return self._damaged("empty", files, placing)
        try:
            state = json.loads(raw.decode("utf-8"))
            problem = check_json_state(state)
        except (ValueError, UnicodeDecodeError, RecursionError) as e:
            problem = (f"neither a gpusched snapshot nor the JSON state of "
                       f"an earlier version: {str(e)[:80]}")
        if problem is not None:
            return self._damaged(problem, files, placing)
        say(f"{self.path}: the JSON state of an earlier launch.py, "
            f"rewritten as a gpusched snapshot")
        holds = []
        for h in state["holds"]:
            record, locked, _ = files.get(h["id"], (None, False, None))
            child = h.get("child") or (record or {}).get("child")
            child_start = (h.get("child_start") if h.get("child")
                           else (record or {}).get("child_start"))
            if (locked or proc_alive(h["pid"], h.get("pid_start")) or
                    proc_alive(child, child_start)):
                holds.append(Entry(h["id"], h["pid"], h.get("pid_start"),
                                   (record or {}).get("user"),
                                   len(h["gpus"]), list(h["gpus"])))
            else:
                say(f"reclaimed GPUs {_gpus_text(h['gpus'])} of pid "
                    f"{h['pid']} (gone)")
        queue = [Entry(q["id"], q["pid"], q.get("pid_start"), None,
                       q["gpus"])
                 for q in sorted(state["queue"], key=lambda q: q["seq"])
                 if proc_alive(q["pid"], q.get("pid_start"))]
        return self._rebuild(holds, queue, files, placing, None)

    def _set_aside(self, problem: str) -> None:
        """Rename the damaged state (the file just read) to FILE.damaged,
        which, if there, must be a regular file too."""
        cannot = f"state {self.path} is damaged ({problem}) and cannot be kept"
        try:
            old = _lstat(self._dir_fd, self.damaged_name)
            now = _lstat(self._dir_fd, self.base)
            if old is not None and not stat.S_ISREG(old.st_mode):
                raise LaunchError(f"{cannot}: {self.damaged_path} is "
                                  f"{file_kind(old.st_mode)}, not a regular "
                                  f"file: remove it")
            if now is None or _identity(now) != self._identity:
                raise LaunchError(f"{cannot}: {self.path} was replaced while "
                                  f"read, by a process not holding "
                                  f"{self.lock_path}")
            os.replace(self.base, self.damaged_name,
                       src_dir_fd=self._dir_fd, dst_dir_fd=self._dir_fd)
        except OSError as e:
            raise self._fail(f"is damaged ({problem}) and cannot be moved "
                             f"to", self.damaged_path, e) from None

    def _alive(self, entry: Entry, files) -> bool:
        """Whether a launch still holds its GPUs: its hold file is locked
        (by the launcher or by its command, which inherits the lock), or
        its launcher's or its command's recorded process exists."""
        record, locked, _ = files.get(entry.launch, (None, False, None))
        record = record or {}
        return bool(locked or proc_alive(entry.pid, entry.pid_start) or
                    proc_alive(record.get("child"),
                               record.get("child_start")))

    def _reconcile(self, shared: Shared, files, placing: bool) -> Shared:
        """End the jobs of launches that are gone; rebuild the scheduler
        when it does not say what the hold files say (a hold missing, other
        GPUs), or was made with other settings (placement, node)."""
        sched, placer, now = shared.sched, self.placer, shared.now
        entries = shared.entries()   # Damaged: a job that is not a launch's
        seen = set()
        for e in entries:
            if e.launch in seen:
                raise Damaged(f"launch {e.launch} has two jobs")
            seen.add(e.launch)
        rebuild = shared.elsewhere or not placer.matches(sched)
        running = set()
        for e in entries:
            if e.running:
                if not self._alive(e, files):
                    say(f"reclaimed GPUs {_gpus_text(e.gpus)} of pid "
                        f"{e.pid} (gone)")
                    sched.complete(e.job, now=now)
                    shared.dirty = True
                    continue
                running.add(e.launch)
                record = files.get(e.launch, (None,))[0]
                if record is not None and \
                        placer.local_gpus(record["gpus"]) != e.gpus:
                    rebuild = True   # the hold file says what is used
            elif not proc_alive(e.pid, e.pid_start):
                sched.cancel(e.job, now=now)
                shared.dirty = True
        held = sum(len(e.gpus) for e in entries
                   if e.running and e.launch in running)
        # GPUs of this node free for new jobs: the others unless drained
        # or failed; the other nodes are drained
        if sched.free_gpus(placer.node) != placer.count - held or any(
                sched.free_gpus(n) for n in range(placer.topo.node_count)
                if n != placer.node):
            rebuild = True
        recovered = self._sweep(files, running)
        if not rebuild and not recovered:
            return shared
        keep = {r.launch for r in recovered}
        holds = [e for e in entries if e.running and e.launch in running]
        holds = [h for h in holds if h.launch not in keep] + recovered
        for h in holds:   # a hold file's GPUs win over the job's
            record = files.get(h.launch, (None,))[0]
            if record is not None:
                h.gpus = placer.local_gpus(record["gpus"])
        queue = [e for e in entries if not e.running and
                 e.launch not in keep and proc_alive(e.pid, e.pid_start)]
        floor = shared.now
        shared.close()
        return self._rebuild(holds, queue, files, placing, floor,
                             swept=True)

    def _sweep(self, files, running) -> List[Entry]:
        """The holds of hold files whose launches still run but are not
        running jobs in the state (``running``: the launch ids that are),
        to recover; the files of launches that are gone are removed."""
        recovered = []
        for hold_id, (record, locked, identity) in files.items():
            if hold_id in running:
                continue
            if record is not None and (
                    locked or proc_alive(record["pid"], record.get("pid_start"))
                    or proc_alive(record.get("child"),
                                  record.get("child_start"))):
                gpus = self.placer.local_gpus(record["gpus"])
                say(f"recovered the hold of pid {record['pid']} (GPUs "
                    f"{_gpus_text(record['gpus'])}) from "
                    f"{self.hold_path(hold_id)}")
                recovered.append(Entry(hold_id, record["pid"],
                                       record.get("pid_start"),
                                       record.get("user"), len(gpus), gpus))
                continue
            if locked:
                continue  # damaged, but its launch runs: leave it be
            try:
                remove_regular(self._holds_fd, hold_id, identity)
            except OSError as e:
                raise self._fail("cannot remove", self.hold_path(hold_id),
                                 e) from None
        return recovered

    def _rebuild(self, holds: List[Entry], queue: List[Entry], files,
                 placing: bool, floor: Optional[int],
                 swept: bool = False) -> Shared:
        """A new scheduler with this launch's settings holding ``holds``
        (each on its GPUs) and the hold files' launches still running, with
        ``queue`` in line behind them in its order. ``swept``: the hold
        files were looked at already (by _reconcile)."""
        if not swept:
            known = {h.launch for h in holds}
            for r in self._sweep(files, known):
                holds.append(r)
            for h in holds:
                record = files.get(h.launch, (None,))[0]
                if record is not None:
                    h.gpus = self.placer.local_gpus(record["gpus"])
            held = {h.launch for h in holds}
            queue = [q for q in queue if q.launch not in held]
        sched = self.placer.new_scheduler()
        shared = Shared(self.placer, sched, floor)
        try:
            self.placer.pin(shared, [h for h in holds if h.gpus], queue,
                            placing, {i for i, f in files.items() if f[0]},
                            self.hold_path)
        except BaseException:
            shared.close()
            raise
        return shared

    # ---- hold files --------------------------------------------------

    def hold_path(self, hold_id: str) -> str:
        return os.path.join(self.holds_dir, hold_id)

    def _scan_holds(self, placing: bool):
        """{id: (record or None, locked, identity)} of the hold files. A
        locked file whose record cannot be read stops a launch that is
        ``placing``: which GPUs its launch holds is unknown. Entries that
        are not regular files are left out (see the module doc)."""
        out = {}
        try:
            names = sorted(os.listdir(self._holds_fd))
        except OSError as e:
            raise self._fail("cannot list", self.holds_dir, e) from None
        for name in names:
            path = self.hold_path(name)
            if not HOLD_ID.fullmatch(name):
                continue  # not ours
            try:
                raw, locked, identity = self._slurp(
                    self._holds_fd, name, path, MAX_HOLD_BYTES,
                    probe_lock=True)
            except FileNotFoundError:
                continue
            except NotRegular as e:
                if name not in self._warned:
                    self._warned.add(name)
                    say(f"warning: {e}, so not a hold file (launches make "
                        f"only regular files there): ignored; remove it")
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
            out[name] = (record, locked, identity)
        return out

    def create_hold(self, record: dict) -> Tuple[int, int]:
        """Write and lock the hold file of ``record`` (under the state
        lock); returns (its descriptor, holding the lock, and its size).
        Made in place (O_EXCL: nothing there is replaced): readers hold the
        state lock too, so none sees it half written, and one left half
        written by a killed launch is not locked, so it is removed."""
        data = json.dumps(record, sort_keys=True).encode()
        data += b" " * HOLD_SLACK + b"\n"
        name = record["id"]
        path = self.hold_path(name)
        try:
            fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL | SAFE_OPEN,
                         0o644, dir_fd=self._holds_fd)
        except OSError as e:
            raise self._fail("cannot create", path, e) from None
        try:
            identity = _identity(os.fstat(fd))
            os.set_blocking(fd, True)
            fcntl.flock(fd, fcntl.LOCK_EX)  # a new file: never blocks
            _write_all(fd, data)
            os.fsync(fd)
            os.fsync(self._holds_fd)
        except OSError as e:
            try:
                remove_regular(self._holds_fd, name, identity)
            except OSError:
                pass
            os.close(fd)
            raise self._fail("cannot write", path, e) from None
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

    def remove_hold(self, hold_id: str, fd: int) -> None:
        """Remove the hold file open as ``fd`` (under the state lock)."""
        try:
            remove_regular(self._holds_fd, hold_id, _identity(os.fstat(fd)))
        except OSError as e:
            raise self._fail("cannot remove", self.hold_path(hold_id),
                             e) from None

    def _write(self, data: bytes) -> None:
        """Replace FILE with ``data`` atomically: a new temporary file
        (O_EXCL) in its directory, fsync, rename over FILE (a regular file
        or nothing), fsync of the directory."""
        tmp = f".{self.base}.{uuid.uuid4().hex}.tmp"
        dir_fd = self._dir_fd
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL |
                         SAFE_OPEN, 0o666, dir_fd=dir_fd)
        except OSError as e:
            raise self._fail("cannot create", os.path.join(self.dir, tmp),
                             e) from None
        identity = None
        try:
            try:
                identity = _identity(os.fstat(fd))
                os.set_blocking(fd, True)
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            st = _lstat(dir_fd, self.base)
            if st is not None and not stat.S_ISREG(st.st_mode):
                raise NotRegular(self.path, st.st_mode)
            os.replace(tmp, self.base, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            os.fsync(dir_fd)
        except (OSError, NotRegular) as e:
            try:
                remove_regular(dir_fd, tmp, identity)
            except OSError:
                pass
            if isinstance(e, NotRegular):
                raise self._refuse(e) from None
            raise self._fail("cannot write", self.path, e) from None


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
    """The scheduler of the state: a gpusched Scheduler on the topology,
    every node but this machine's drained, launches in arrival order
    (fifo), ended jobs forgotten at once, GPUs chosen by ``placement``."""

    def __init__(self, gs, topo, node: int, placement: str):
        self.gs = gs
        self.topo = topo
        self.node = node
        self.first = topo.node(node).first_gpu
        self.count = topo.node(node).gpu_count
        self.placement = placement

    def new_scheduler(self):
        """An empty scheduler with the state's settings."""
        s = self.gs.Scheduler(self.topo, placement=self.placement,
                              ordering="fifo", keep_seconds=0, keep_count=0)
        for n in range(self.topo.node_count):
            if n != self.node:
                s.drain_node(n)
        return s

    def matches(self, sched) -> bool:
        """Whether a restored scheduler has the settings new_scheduler()
        gives (drains are checked by StateFile._reconcile)."""
        return (sched.placement == self.placement and
                sched.ordering == "fifo" and sched.retention == (0, 0))

    def local_gpus(self, gpus) -> List[int]:
        """A hold's GPUs that this node has (indices on it), increasing."""
        return sorted(g for g in gpus if 0 <= g < self.count)

    def never(self, gpus: int) -> Optional[str]:
        """Why this machine can never give ``gpus`` GPUs, or None."""
        if gpus > self.count:
            return (f"{gpus} GPUs asked, node {self.topo.node_names[self.node]}"
                    f" has {self.count}")
        with self.new_scheduler() as s:
            try:
                s.submit(gpus, max_nodes=1, submit_time=0)
            except self.gs.Error as e:
                return str(e)
        return None

    def pin(self, shared: Shared, holds: List[Entry], queue: List[Entry],
            placing: bool, filed, hold_path) -> None:
        """Put ``holds`` in a new scheduler as running jobs, each on its
        own GPUs (submitted first, with GPUs required, and started), and
        ``queue`` in line behind them. A hold whose launch has not taken
        its GPUs yet (no hold file: started for a launch waiting in line)
        goes back to the head of the line when a hold file claims one of
        its GPUs. Two hold files claiming one GPU stop a launch that is
        ``placing`` (which one uses it is unknown). ``filed``: the launch
        ids with a hold file; ``hold_path(id)``: its path, for messages."""
        gs, s = self.gs, shared.sched
        filed = [h for h in holds if h.launch in filed]
        claimed: Dict[int, Entry] = {}
        for h in filed:
            for g in h.gpus:
                other = claimed.setdefault(g, h)
                if other is not h and placing:
                    raise LaunchError(
                        f"hold files {hold_path(other.launch)} and "
                        f"{hold_path(h.launch)} both claim GPU {g}: which "
                        f"launch uses it is unknown, so none can be given "
                        f"out. Stop one of them, or remove the file of one "
                        f"that has ended")
        pinned = list(filed)
        for h in holds:
            if h in filed:
                continue
            if any(g in claimed for g in h.gpus):
                queue = [Entry(h.launch, h.pid, h.pid_start, h.user,
                               h.count)] + queue
            else:
                pinned.append(h)
        times = [q.submit_time for q in queue if q.submit_time is not None]
        first = min(times + [shared.now])
        jobs = []
        for h in pinned:
            try:
                jobs.append((h, s.submit(
                    len(h.gpus), max_nodes=1,
                    require_gpus=[self.first + g for g in h.gpus],
                    name=h.name, user=h.user, submit_time=first)))
            except gs.Error as e:
                if placing:
                    raise LaunchError(f"the hold of pid {h.pid} (GPUs "
                                      f"{_gpus_text(h.gpus)}) cannot be "
                                      f"recorded: {e}") from None
        for q in queue:
            try:
                s.submit(q.count, max_nodes=1, name=q.name, user=q.user,
                         submit_time=(shared.now if q.submit_time is None
                                      else q.submit_time))
            except gs.Error:
                continue  # a request this node never fits: its launch says
        if jobs or queue:
            s.step(now=shared.now)
        for h, job in jobs:
            if not s.job(job).running and placing:
                raise LaunchError(f"the hold of pid {h.pid} (GPUs "
                                  f"{_gpus_text(h.gpus)}) cannot be "
                                  f"recorded: its GPUs are not free")


# ---- the launch ----------------------------------------------------------


class Launch:
    def __init__(self, args, gs):
        self.args = args
        self.gs = gs
        self.state = StateFile(args.state or default_state_path())
        self.id = uuid.uuid4().hex
        self.pid = os.getpid()
        self.pid_start = proc_start_time(self.pid)
        self.user = user_name()
        self.child: Optional[subprocess.Popen] = None
        self.signal: Optional[int] = None
        self.signals = 0  # how many came
        self.in_line = False  # this launch's place in line may be in FILE
        # while the command's process starts: the launcher writes the
        # signals it gets to stop_w; the new process, waiting for the state
        # lock, reads stop_r (see _register_or_stop)
        self.stop_r: Optional[int] = None
        self.stop_w: Optional[int] = None
        self.holding = False
        self.hold_fd: Optional[int] = None
        self.hold_size = 0
        self.record: Optional[dict] = None
        self.node_name: Optional[str] = None

    # signals: remember, forward to the command if there is one
    def on_signal(self, signum, _frame):
        self.signal = signum
        self.signals += 1
        child = self.child
        if child is None and self.stop_w is not None:
            try:
                os.write(self.stop_w, bytes([signum]))
            except OSError:
                pass
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

    def _holders(self, st: Shared) -> str:
        parts = [f"pid {h.pid} (GPUs {_gpus_text(h.gpus)})"
                 for h in st.holds()]
        waiting = len([q for q in st.queue() if q.launch != self.id])
        text = "held by " + ", ".join(parts) if parts else "none held"
        if waiting > 0:
            text += f"; {waiting} launch{'es' * (waiting != 1)} waiting ahead"
        return text

    def _stopped(self) -> bool:
        return self.signal is not None

    def _patience(self):
        """A give_up (see take_lock) for a launch tidying up after itself:
        on a signal that comes while it waits, or TIDY_PATIENCE seconds
        after one that came before."""
        seen = self.signals
        end = time.monotonic() + TIDY_PATIENCE
        return lambda: (self.signals > seen or (
            self.signal is not None and time.monotonic() > end))

    def _nap(self, seconds: float) -> None:
        """Sleep, ending early when a signal comes (time.sleep would go on:
        Python resumes a sleep after running the handler)."""
        end = time.monotonic() + seconds
        while self.signal is None:
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, SIGNAL_LATENCY))

    def _try_to_place(self, deadline: Optional[float]):
        """One look at the state: (placement, None, None), or (None, why
        not, who holds the GPUs), this launch in line when it waits.
        Interrupted when a signal comes while it waits for the lock.

        The launch joins the line (a pending job) if it is not in it; the
        scheduler then steps, and starts it if it can (or a step of
        another launch did since its last look). Its job running, it
        takes the GPUs: it writes and locks its hold file, under the
        lock, before the state naming it is written."""
        args = self.args
        with self.state.locked(give_up=self._stopped) as st:
            self.in_line = True
            if st.find(self.id) is None:
                st.join(self.id, self.pid, self.pid_start, self.user,
                        args.gpus)
            st.settle()
            me = st.find(self.id)
            if me is None:  # cannot happen: it was just submitted
                raise LaunchError("this launch's job vanished from the state")
            got = why = None
            if me.running and self.signal is None:
                got = st.placement(self.id)
            elif not me.running:
                why = st.why_waiting(self.id)
            if got is None and (
                    not args.wait or self.signal is not None or
                    (deadline is not None and time.monotonic() >= deadline)):
                st.leave(self.id)
            if got is not None:
                gpus, cvd, cvd_uuids = got
                record = {
                    "id": self.id, "pid": self.pid,
                    "pid_start": self.pid_start, "child": None,
                    "child_start": None, "gpus": gpus,
                    "node": self.node_name, "user": self.user,
                    "since": time.time(), "command": args.command[:8]}
                # the hold file first: once the state names the hold as
                # taken, its file must be there and locked
                self.hold_fd, self.hold_size = self.state.create_hold(record)
                self.record = record
                self.holding = True
                return got, None, None
            return None, why, self._holders(st)

    def acquire(self):
        """Take GPUs, waiting in line if asked. Returns the placement."""
        args = self.args
        deadline = (time.monotonic() + args.timeout
                    if args.timeout is not None else None)
        told = False
        while True:
            try:
                got, why, holders = self._try_to_place(deadline)
            except Interrupted:
                got = None
            if got is not None:
                return got
            if self.signal is not None and self.in_line:
                # it may have come after the line was updated above
                try:
                    with self.state.locked(placing=False,
                                           give_up=self._patience()) as st:
                        st.leave(self.id)
                except Interrupted:
                    pass  # the next launch drops it: this pid is gone then
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
            pause = args.poll
            if deadline is not None:
                pause = min(pause, max(0.0, deadline - time.monotonic()))
            self._nap(pause)

    def _launcher_stopped(self) -> bool:
        """In the new process: whether the launcher got a signal since it
        started it (then self.signal is that signal)."""
        try:
            got = os.read(self.stop_r, 1)
        except BlockingIOError:
            return False
        self.signal = got[0] if got else signal.SIGTERM
        return True

    def register_child(self) -> None:
        """Run in the new process before it execs the command: record its
        pid in the hold file, under the state lock (Interrupted when the
        launcher is told to stop while this waits for the lock: until the
        command runs, the launcher cannot forward signals). The state
        itself does not change: its job names the launcher's pid, the
        hold file the command's."""
        pid = os.getpid()
        start = proc_start_time(pid)
        with self.state.lock_only(give_up=self._launcher_stopped):
            if os.fstat(self.hold_fd).st_nlink == 0:
                # cannot happen: no launch removes a locked hold file
                raise LaunchError("this launch's hold file vanished")
            self.record.update(child=pid, child_start=start)
            self.state.update_hold(self.hold_fd, self.hold_size, self.record)

    def release(self) -> None:
        if not self.holding:
            return
        try:
            with self.state.locked(placing=False,
                                   give_up=self._patience()) as st:
                st.leave(self.id, ran=True)   # the next in line may start
                self.state.remove_hold(self.id, self.hold_fd)
        except Interrupted:
            # once this launcher (and its command) are gone, the hold is
            # neither locked nor alive: the next launch takes it back
            say(f"stopping without releasing GPUs "
                f"{_gpus_text(self.record['gpus'])} "
                f"({self.state.lock_path} is busy): the next launch takes "
                f"them back")
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
        self.state.placer = placer
        never = placer.never(args.gpus)
        if never:
            die(f"this machine can never run it: {never}", EXIT_SETUP)
        try:
            gpus, cvd, cvd_uuids = self.acquire()
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
            self.stop_r, self.stop_w = os.pipe()  # close-on-exec
            os.set_blocking(self.stop_r, False)
            os.set_blocking(self.stop_w, False)

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
                except Interrupted:
                    os._exit(128 + (self.signal or signal.SIGTERM))
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
            for fd in (self.stop_r, self.stop_w):
                if fd is not None:
                    os.close(fd)
            self.stop_r = self.stop_w = None


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
                   help="state file shared by the launches of this machine, "
                   "a gpusched scheduler snapshot (`gpusched state show "
                   "FILE` prints it; default: "
                   "$XDG_RUNTIME_DIR/gpusched-launch.json or "
                   "/tmp/gpusched-launch-UID.json, names kept from the "
                   "JSON state of earlier versions, which is migrated); "
                   "FILE.lock and FILE.holds/ go next to it")
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
                   help="placement policy (default nvlink-pack); the "
                   "state's scheduler is made anew with it, keeping its "
                   "launches, when it had another")
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
