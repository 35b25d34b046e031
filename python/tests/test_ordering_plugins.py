"""Ordering policies and fair-share algorithms written in Python
(register_ordering, register_fairshare), site factors, and the
scheduler's ordering by name. Start orders and factors are worked out by
hand in the comments."""

import gc
import itertools
import math
import os
import subprocess
import sys

import pytest

import gpusched
from gpusched.objects import EventKind, JobState, Ordering

pytestmark = pytest.mark.usefixtures("no_leaked_handles")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EXAMPLE = os.path.join(REPO, "examples", "custom_ordering.py")

_serial = itertools.count()


def exact(x, tol=1e-12):
    return pytest.approx(x, rel=0, abs=tol)


@pytest.fixture(scope="module")
def h100():
    """One node, 8 H100 on NVSwitch: placement never decides here."""
    topo = gpusched.Topology.load("dgx-h100")
    yield topo
    topo.close()


@pytest.fixture
def policy():
    """register(priority, **kw) -> a fresh name; unregistered after the
    test (the registry holds 64)."""
    names = []

    def register(priority=None, **kw):
        name = f"test-policy-{next(_serial)}"
        gpusched.register_ordering(name, priority, **kw)
        names.append(name)
        return name
    yield register
    for name in names:
        if name in gpusched.orderings():
            gpusched.unregister_ordering(name)


@pytest.fixture
def algorithm():
    names = []

    def register(compute, **kw):
        name = f"test-fairshare-{next(_serial)}"
        gpusched.register_fairshare(name, compute, **kw)
        names.append(name)
        return name
    yield register
    for name in names:
        if name in gpusched.fairshare_algorithms():
            gpusched.unregister_fairshare(name)


def started(events):
    return [ev.job for ev in events if ev.kind == EventKind.STARTED]


def start_order(s, jobs, t0=10, run=10):
    """Jobs that each fill the node start one at a time: complete the
    running one, step, and record who started, until none does."""
    order, now, running = [], t0, None
    while True:
        if running is not None:
            s.complete(running, now)
        got = started(s.step(now))
        s.check()
        if not got:
            break
        assert len(got) == 1
        running = got[0]
        order.append(running)
        now += run
    assert sorted(order) == sorted(jobs)
    return order


# ---- a custom ordering changes the order of starts --------------------------


def test_deadline_first_policy(h100, policy):
    deadlines = {}
    name = policy(lambda job: -deadlines.get(job.id, 2 ** 40))
    assert name in gpusched.orderings()
    with gpusched.Scheduler(h100, ordering=name) as s:
        assert s.ordering == name
        a = s.submit(8, submit_time=0)
        b = s.submit(8, submit_time=1)
        c = s.submit(8, submit_time=2)
        d = s.submit(8, submit_time=3)
        deadlines.update({a: 500, b: 200, d: 300})   # c has none
        # by deadline: b 200, d 300, a 500, then c (none); fifo would be
        # a, b, c, d
        assert start_order(s, [a, b, c, d]) == [b, d, a, c]
        # the value each job was ranked by is the policy's answer
        assert s.job(a).priority_value == -500.0


def test_shortest_time_limit_first_and_ties(h100, policy):
    name = policy(lambda job: -job.time_limit)
    with gpusched.Scheduler(h100, ordering=name) as s:
        jobs = [s.submit(8, time_limit=t, submit_time=i)
                for i, t in enumerate((300, 100, 200, 100))]
        # 100 (job 2, submitted before job 4), 100 (job 4), 200, 300
        assert start_order(s, jobs) == [jobs[1], jobs[3], jobs[2], jobs[0]]


def test_ties_by_priority_flag(h100, policy):
    # every job worth 0: ties go to the larger own priority, then the
    # earlier submission
    name = policy(lambda job: 0.0, ties_by_priority=True)
    with gpusched.Scheduler(h100, ordering=name) as s:
        a = s.submit(8, priority=1, submit_time=0)
        b = s.submit(8, priority=5, submit_time=1)
        c = s.submit(8, priority=5, submit_time=2)
        assert start_order(s, [a, b, c]) == [b, c, a]
    plain = policy(lambda job: 0.0)
    with gpusched.Scheduler(h100, ordering=plain) as s:
        a = s.submit(8, priority=1, submit_time=0)
        b = s.submit(8, priority=5, submit_time=1)
        assert start_order(s, [a, b]) == [a, b]


ACCOUNTS = ('{"accounts": [{"name": "A", "shares": 50},'
            '              {"name": "D", "shares": 50}],'
            ' "users": [{"name": "ann", "account": "A"},'
            '           {"name": "dan", "account": "D"}]}')
#: ann has used 90% of the machine, dan 10%, with equal shares: classic
#: fair share gives ann 2^(-0.9/0.5) and dan 2^(-0.1/0.5).
USAGE = "user,account,usage\nann,A,900\ndan,D,100\n"
ANN, DAN = 2 ** -1.8, 2 ** -0.2


def test_deadline_first_with_a_fair_share_floor(h100, policy):
    deadlines, seen = {}, {}
    floor = 0.5

    def value(job):
        seen[job.user] = job.fairshare
        v = -float(deadlines[job.id])
        return v - 2 ** 42 if job.fairshare < floor else v

    name = policy(value, uses_factors=True)
    share = gpusched.Share(ACCOUNTS, USAGE, half_life=0)
    with gpusched.Scheduler(h100, ordering=name, fairshare="classic",
                            share=share) as s:
        # no usage charged while the test's jobs run: the factors stay
        s.set_usage_weights(gpu=0)
        s.set_priority_weights(calc_period=0)
        a1 = s.submit(8, user="ann", account="A", submit_time=0)
        d1 = s.submit(8, user="dan", account="D", submit_time=0)
        a2 = s.submit(8, user="ann", account="A", submit_time=0)
        d2 = s.submit(8, user="dan", account="D", submit_time=0)
        deadlines.update({a1: 100, d1: 400, a2: 50, d2: 300})
        # ann (0.287) is below the floor: dan's jobs first, each user's by
        # deadline: d2 300, d1 400, then a2 50, a1 100
        assert start_order(s, [a1, d1, a2, d2], t0=0) == [d2, d1, a2, a1]
    share.close()
    assert seen["ann"] == exact(ANN) and seen["dan"] == exact(DAN)


def test_factors_only_for_policies_that_use_them(h100, policy):
    seen = []
    name = policy(lambda job: seen.append(job.as_dict()) or 0.0)
    with gpusched.Scheduler(h100, ordering=name) as s:
        s.submit(2, user="u", account="root", time_limit=60,
                 submit_time=5)
        s.step(100)
    (job,) = seen
    assert job["fairshare"] is None
    assert (job["age_factor"], job["size_factor"],
            job["priority_factor"]) == (0, 0, 0)


def test_the_job_view(h100, policy):
    views = []

    def keep(job):
        views.append((job, job.as_dict()))
        return float(job.id)

    name = policy(keep, uses_factors=True)
    with gpusched.Scheduler(h100, ordering=name) as s:
        s.set_priority_weights(age=7, max_age=1000, job_size=3)
        s.submit(8, submit_time=0)
        s.step(0)                                   # fills the node
        job = s.submit(2, name="train", user="ann", account="root",
                       priority=40, nice=3, submit_time=100, time_limit=600,
                       min_nodes=1, preemptible=True)
        s.submit(2, priority=80, submit_time=100)
        s.set_job_factor(job, -2.5)
        views.clear()
        s.step(350)
    view, d = next((v, d) for v, d in views if d["id"] == job)
    assert d == {
        "id": job, "name": "train", "user": "ann", "account": "root",
        "partition": None, "gpus": 2, "min_nodes": 1, "running": False,
        "preemptible": True, "priority": 40, "nice": 3, "submit_time": 100,
        "time_limit": 600, "now": 350, "age": 250, "requeues": 0,
        "site_factor": -2.5, "fairshare": 1.0,
        # age 250 / max_age 1000; 2 of 8 GPUs; priority 40 of 80
        "age_factor": 0.25, "size_factor": 0.25, "priority_factor": 0.5,
        "weights": {"age": 7, "fairshare": 10000, "job_size": 3,
                    "priority": 1000, "max_age": 1000, "calc_period": 300}}
    # valid during the call only, and read-only
    with pytest.raises(gpusched.StateError, match="during the policy call"):
        view.id
    with pytest.raises(gpusched.StateError):
        view.user
    assert repr(view) == "<OrderJob (expired)>"
    with pytest.raises(AttributeError):
        view.id = 3
    with pytest.raises(AttributeError):
        view.color = "red"
    with pytest.raises(AttributeError, match="nothing"):
        view.nothing


def test_compare_based_ordering(h100, policy):
    calls = []

    def by_user_then_fewer_gpus(a, b):
        calls.append((a.id, b.id))
        if a.user != b.user:
            return -1 if a.user < b.user else 1
        return a.gpus - b.gpus

    name = policy(compare=by_user_then_fewer_gpus)
    with gpusched.Scheduler(h100, ordering=name) as s:
        # exclusive: one job at a time on the one node
        j1 = s.submit(4, user="bob", exclusive=True, submit_time=0)
        j2 = s.submit(2, user="al", exclusive=True, submit_time=0)
        j3 = s.submit(1, user="bob", exclusive=True, submit_time=0)
        j4 = s.submit(8, user="al", exclusive=True, submit_time=0)
        # al's first by GPUs (2, 8), then bob's (1, 4); fifo: 1, 2, 3, 4
        assert start_order(s, [j1, j2, j3, j4], t0=0) == [j2, j4, j3, j1]
    assert calls


def test_compare_wins_over_priority(h100, policy):
    # with both, compare orders and priority() gives the shown value
    name = policy(lambda job: float(job.id),
                  compare=lambda a, b: a.id - b.id)
    with gpusched.Scheduler(h100, ordering=name) as s:
        jobs = [s.submit(8, submit_time=0) for _ in range(3)]
        assert start_order(s, jobs, t0=0) == jobs
        assert s.job(jobs[2]).priority_value == 3.0


# ---- preemption asks outranks() ------------------------------------------------


def test_outranks_decides_preemption(h100, policy):
    asked = []

    def boss_only(hi, lo):
        asked.append((hi.id, hi.running, lo.id, lo.running))
        return hi.user == "boss" and lo.user != "vip"

    name = policy(lambda job: float(job.priority), outranks=boss_only)
    with gpusched.Scheduler(h100, ordering=name, preempt="requeue") as s:
        vip = s.submit(4, user="vip", priority=1, preemptible=True,
                       submit_time=0)
        x = s.submit(4, user="x", priority=1, preemptible=True, submit_time=0)
        assert sorted(started(s.step(0))) == [vip, x]
        # y outranks both by priority, but outranks() says no: it waits
        y = s.submit(4, user="y", priority=100, submit_time=10)
        assert s.step(10) == []
        assert s.job(y).state == JobState.PENDING
        assert asked and all(a[0] == y for a in asked)
        # boss (200) comes first and may preempt x, never vip
        asked.clear()
        boss = s.submit(4, user="boss", priority=200, submit_time=20)
        events = s.step(20)
        assert [(ev.kind, ev.job) for ev in events] == [
            (EventKind.PREEMPTED, x), (EventKind.REQUEUED, x),
            (EventKind.STARTED, boss)]
        assert s.job(vip).state == JobState.RUNNING
        assert s.job(y).state == JobState.PENDING
        assert (boss, False, x, True) in asked
        assert all(not hi_run and lo_run for _, hi_run, _, lo_run in asked)
        s.check()


def test_default_outranks_is_the_priority(h100, policy):
    # without outranks, a larger priority() preempts
    name = policy(lambda job: float(job.priority))
    with gpusched.Scheduler(h100, ordering=name, preempt="cancel") as s:
        low = s.submit(8, priority=1, preemptible=True, submit_time=0)
        s.step(0)
        high = s.submit(8, priority=2, submit_time=5)
        s.step(5)
        assert s.job(low).state == JobState.PREEMPTED
        assert s.job(high).state == JobState.RUNNING


def test_hooks_and_refresh(h100, policy):
    log = []
    name = policy(lambda job: -float(job.id),
                  refresh=lambda now: log.append(("refresh", now)),
                  job_started=lambda job, now: log.append(("start", job,
                                                           now)),
                  job_ended=lambda job, now: log.append(("end", job, now)))
    with gpusched.Scheduler(h100, ordering=name) as s:
        a = s.submit(8, submit_time=0)
        b = s.submit(8, submit_time=0)
        s.step(0)
        s.complete(a, 7)
        s.step(9)
        s.cancel(b, 11)
    assert log == [("refresh", 0), ("start", a, 0), ("end", a, 7),
                   ("refresh", 9), ("start", b, 9), ("end", b, 11)]


# ---- the registry ----------------------------------------------------------------


def test_registry_errors(h100, policy):
    name = policy(lambda job: 0.0)
    with pytest.raises(gpusched.AlreadyExistsError,
                       match=f"'{name}' is already registered") as e:
        gpusched.register_ordering(name, lambda job: 1.0)
    assert e.value.name == "GS_EEXIST"
    for builtin in ("multifactor", "fifo", "priority"):
        with pytest.raises(gpusched.AlreadyExistsError):
            gpusched.register_ordering(builtin, lambda job: 1.0)
        with pytest.raises(gpusched.InvalidArgument, match="built-in"):
            gpusched.unregister_ordering(builtin)
        assert builtin in gpusched.orderings()
    with pytest.raises(gpusched.NotFoundError, match="'nothing-here'"):
        gpusched.unregister_ordering("nothing-here")
    for bad in ("", " padded", "padded ", "new\nline", "nul\0"):
        with pytest.raises(gpusched.InvalidArgument, match="name"):
            gpusched.register_ordering(bad, lambda job: 0.0)
    for bad in (None, 7, b"bytes"):
        with pytest.raises(TypeError, match="name must be a string"):
            gpusched.register_ordering(bad, lambda job: 0.0)
    with pytest.raises(gpusched.InvalidArgument, match="priority or compare"):
        gpusched.register_ordering("lonely")
    with pytest.raises(TypeError, match="priority must be callable"):
        gpusched.register_ordering("x", 3.0)
    with pytest.raises(TypeError, match="outranks must be callable"):
        gpusched.register_ordering("x", lambda j: 0.0, outranks="yes")
    with pytest.raises(TypeError, match="uses_factors"):
        gpusched.register_ordering("x", lambda j: 0.0, uses_factors="yes")
    with pytest.raises(TypeError, match="description"):
        gpusched.register_ordering("x", lambda j: 0.0, description=5)
    assert "x" not in gpusched.orderings() and "lonely" not in \
        gpusched.orderings()
    # unknown names where a scheduler takes one
    with pytest.raises(gpusched.InvalidArgument,
                       match="ordering 'nothing-here' is not one of "
                             "\"multifactor\", \"fifo\", \"priority\""):
        gpusched.Scheduler(h100, ordering="nothing-here")
    with gpusched.Scheduler(h100) as s:
        with pytest.raises(gpusched.InvalidArgument, match=name):
            s.set_ordering("nothing-here")
        assert s.ordering == "multifactor"
        with pytest.raises(gpusched.ParseError, match="registered policy"):
            s.configure('{"ordering": "nothing-here"}')


def test_unregistered_policy_stays_with_its_schedulers(h100, policy):
    calls = []

    def value(job):
        calls.append(job.id)
        return -float(job.id)

    name = policy(value)
    s = gpusched.Scheduler(h100, ordering=name)
    gpusched.unregister_ordering(name)
    del value
    gc.collect()
    assert name not in gpusched.orderings()
    with pytest.raises(gpusched.InvalidArgument):
        gpusched.Scheduler(h100, ordering=name)
    # the scheduler still calls it
    a, b = s.submit(8, submit_time=0), s.submit(8, submit_time=0)
    assert started(s.step(0)) == [a]
    assert sorted(calls) == [a, b]
    assert s.ordering == name
    s.close()
    # the name may be registered again
    gpusched.register_ordering(name, lambda job: 0.0)
    assert name in gpusched.orderings()


def test_choosing_and_changing_the_ordering(h100, policy):
    name = policy(lambda job: -float(job.id))
    with gpusched.Scheduler(h100) as s:
        assert s.ordering == "multifactor"
        s.set_ordering(name)
        assert s.ordering == name
        s.set_ordering(Ordering.FIFO)
        assert s.ordering == "fifo"
        s.set_ordering("Priority")                   # built-ins: any case
        assert s.ordering == "priority"
        s.configure(f'{{"ordering": "{name}"}}')
        assert s.ordering == name
        s.set_ordering("multifactor", options=None)
        assert s.ordering == "multifactor"
    for value, shown in ((Ordering.PRIORITY, "priority"), ("fifo", "fifo"),
                         (1, "fifo"), (name, name)):
        with gpusched.Scheduler(h100, ordering=value,
                                ordering_options="unused") as s:
            assert s.ordering == shown


# ---- exceptions raised by Python callbacks ------------------------------------------


class Boom(Exception):
    pass


def test_priority_exception_ranks_lowest_and_is_raised(h100, policy):
    def value(job):
        if job.user == "bad":
            raise Boom(f"no value for job {job.id}")
        return 0.0

    name = policy(value)
    with gpusched.Scheduler(h100, ordering=name) as s:
        bad = s.submit(8, user="bad", submit_time=0)
        good = s.submit(8, user="good", submit_time=1)
        with pytest.raises(Boom, match=f"no value for job {bad}"):
            s.step(1)
        # the step completed: the bad job ranked last (NaN), the good one
        # started, and the events are there: queued, since step() did not
        # return them
        assert s.job(good).state == JobState.RUNNING
        assert s.job(bad).state == JobState.PENDING
        assert math.isnan(s.job(bad).priority_value)
        assert [(ev.kind, ev.job) for ev in s.events] == [
            (EventKind.STARTED, good)]
        s.check()
        # nothing stale for the next calls
        assert s.job(bad).user == "bad"
        s.complete(good, 5)
        with pytest.raises(Boom):
            s.step(5)
        assert s.job(bad).state == JobState.RUNNING  # alone: it starts
        # nothing was lost: both steps' events wait in the queue
        assert [(ev.kind, ev.job, ev.time) for ev in s.events] == [
            (EventKind.STARTED, good, 1), (EventKind.STARTED, bad, 5)]


def test_first_exception_wins(h100, policy):
    def value(job):
        raise Boom(job.id)

    name = policy(value)
    with gpusched.Scheduler(h100, ordering=name) as s:
        jobs = [s.submit(8, submit_time=0) for _ in range(3)]
        with pytest.raises(Boom) as e:
            s.step(0)
        assert e.value.args[0] in jobs
        s.job(jobs[0])          # the other two are not raised later


def test_wrong_return_types(h100, policy):
    for bad, what in (("high", "str"), (None, "NoneType"), (True, "bool")):
        name = policy(lambda job, bad=bad: bad)
        with gpusched.Scheduler(h100, ordering=name) as s:
            s.submit(8, submit_time=0)
            with pytest.raises(TypeError, match=f"priority\\(\\) returned "
                                                f"{what}, not a number"):
                s.step(0)
    # ints are numbers; one beyond the doubles is an OverflowError
    for value, raised in ((3, None), (10 ** 400, OverflowError)):
        name = policy(lambda job, value=value: value)
        with gpusched.Scheduler(h100, ordering=name) as s:
            job = s.submit(8, submit_time=0)
            if raised:
                with pytest.raises(raised):
                    s.step(0)
            else:
                s.step(0)
                assert s.job(job).priority_value == 3.0
    name = policy(compare=lambda a, b: "less")
    with gpusched.Scheduler(h100, ordering=name) as s:
        s.submit(8, submit_time=0), s.submit(8, submit_time=0)
        with pytest.raises(TypeError, match="compare\\(\\) returned str"):
            s.step(0)
    name = policy(lambda job: float(job.priority),
                  outranks=lambda hi, lo: None)
    with gpusched.Scheduler(h100, ordering=name, preempt="requeue") as s:
        low = s.submit(8, priority=1, preemptible=True, submit_time=0)
        s.step(0)
        s.submit(8, priority=5, submit_time=0)
        with pytest.raises(TypeError, match="outranks\\(\\) returned None"):
            s.step(1)
        assert s.job(low).state == JobState.RUNNING   # not outranked


def test_compare_and_outranks_exceptions(h100, policy):
    def compare(a, b):
        raise Boom("compare")

    name = policy(compare=compare)
    with gpusched.Scheduler(h100, ordering=name) as s:
        a, b = s.submit(8, submit_time=5), s.submit(8, submit_time=1)
        with pytest.raises(Boom, match="compare"):
            s.step(5)
        # compare answered "tie": submission time decides (b, before a)
        assert s.job(b).state == JobState.RUNNING
        assert s.job(a).state == JobState.PENDING

    def outranks(hi, lo):
        raise Boom("outranks")

    name = policy(lambda job: float(job.priority), outranks=outranks)
    with gpusched.Scheduler(h100, ordering=name, preempt="requeue") as s:
        low = s.submit(8, priority=1, preemptible=True, submit_time=0)
        s.step(0)
        s.submit(8, priority=9, submit_time=0)
        with pytest.raises(Boom, match="outranks"):
            s.step(1)
        assert s.job(low).state == JobState.RUNNING   # "no"


def test_hook_exceptions(h100, policy):
    def ended(job, now):
        raise Boom(f"ended {job}")

    name = policy(lambda job: 0.0, job_ended=ended,
                  refresh=lambda now: None)
    with gpusched.Scheduler(h100, ordering=name) as s:
        a = s.submit(8, submit_time=0)
        s.step(0)
        with pytest.raises(Boom, match=f"ended {a}"):
            s.complete(a, 3)
        assert s.job(a).state == JobState.COMPLETED
    name = policy(lambda job: 0.0,
                  refresh=lambda now: 1 / 0)
    with gpusched.Scheduler(h100, ordering=name) as s:
        a = s.submit(8, submit_time=0)
        with pytest.raises(ZeroDivisionError):
            s.step(0)
        assert s.job(a).state == JobState.RUNNING


def test_exception_from_the_priority_breakdown(h100, policy):
    # gs_sched_job_priority asks the policy again for a job the last step
    # did not rank: that call raises it too
    def value(job):
        raise Boom("breakdown")

    name = policy(value, uses_factors=True)
    with gpusched.Scheduler(h100, ordering=name) as s:
        job = s.submit(8, submit_time=0)
        with pytest.raises(Boom):
            s.priority(job)


def test_callbacks_must_not_call_their_scheduler(h100, policy):
    holder = {}

    def value(job):
        holder["s"].submit(1, submit_time=0)
        return 0.0

    name = policy(value)
    with gpusched.Scheduler(h100, ordering=name) as s:
        holder["s"] = s
        s.submit(8, submit_time=0)
        with pytest.raises(gpusched.StateError, match="must not"):
            s.step(0)
        assert len(s) == 1      # nothing was submitted
        s.check()


def test_keyboard_interrupt_is_not_lost(h100, policy):
    def value(job):
        raise KeyboardInterrupt

    name = policy(value)
    with gpusched.Scheduler(h100, ordering=name) as s:
        s.submit(8, submit_time=0)
        with pytest.raises(KeyboardInterrupt):
            s.step(0)


# ---- site factors -------------------------------------------------------------------


def test_site_factor_moves_multifactor_order_by_exactly_the_factor(h100):
    with gpusched.Scheduler(h100) as s:
        s.set_priority_weights(age=0, fairshare=0, job_size=0, priority=1000,
                               calc_period=0)
        run = s.submit(8, submit_time=0)
        s.step(0)
        a = s.submit(8, priority=100, submit_time=0)
        b = s.submit(8, priority=50, submit_time=0)
        s.step(1)
        # priority factors 100/100 and 50/100: totals 1000 and 500
        pa, pb = s.priority(a), s.priority(b)
        assert (pa.total, pb.total, pb.site) == (1000, 500, 0)
        s.set_job_factor(b, 600)
        s.step(2)
        pb = s.priority(b)
        assert pb.site == 600
        assert pb.w_priority == exact(500, 1e-9)
        assert pb.total == exact(1100, 1e-9)            # 500 + 600 exactly
        assert pb.value == pb.total
        assert s.job(b).priority_value == exact(1100, 1e-9)
        assert pb.total == exact(pb.w_age + pb.w_fairshare + pb.w_job_size +
                                 pb.w_priority - pb.nice + pb.site, 1e-9)
        # b now goes first
        s.complete(run, 3)
        assert started(s.step(3)) == [b]
        # a negative factor
        s.set_job_factor(a, -1000.5)
        s.step(4)
        assert s.priority(a).total == exact(-0.5, 1e-9)


def test_site_factor_is_checked(h100):
    with gpusched.Scheduler(h100) as s:
        job = s.submit(8, submit_time=0)
        for bad, match in ((math.nan, "factor is NaN"),
                           (math.inf, "factor = inf"),
                           (-math.inf, "factor = -inf"),
                           (2e15, "factor = 2e\\+15"),
                           (10 ** 400, "out of range")):
            with pytest.raises(gpusched.RangeError, match=match):
                s.set_job_factor(job, bad)
        for bad in ("1", None, True):
            with pytest.raises(TypeError, match="factor"):
                s.set_job_factor(job, bad)
        assert s.priority(job).site == 0              # nothing changed
        s.set_job_factor(job, 1e15)
        s.set_job_factor(job, -1e15)
        with pytest.raises(gpusched.NotFoundError, match="no job 99"):
            s.set_job_factor(99, 1)
        with pytest.raises(gpusched.RangeError, match="job"):
            s.set_job_factor(-1, 1)
        s.cancel(job, 0)
        with pytest.raises(gpusched.StateError, match=f"job {job} is "
                                                      "cancelled"):
            s.set_job_factor(job, 1)


def test_site_factor_reaches_custom_policies(h100, policy):
    name = policy(lambda job: job.site_factor)
    with gpusched.Scheduler(h100, ordering=name) as s:
        s.submit(8, submit_time=0)
        b = s.submit(8, submit_time=0)
        s.set_job_factor(b, 1)
        assert started(s.step(0)) == [b]


def test_fifo_and_priority_values_in_the_breakdown(h100):
    with gpusched.Scheduler(h100, ordering="fifo") as s:
        job = s.submit(8, priority=3, submit_time=0)
        s.step(0)
        assert s.priority(job).value == 0


# ---- fair-share algorithms written in Python -------------------------------------------


def test_custom_fairshare_algorithm(h100, algorithm):
    calls = []

    def flat(share, now):
        # every user 0.25 but dan 1.0; rows start from the classic factors
        rows = share.rows()
        calls.append((now, {(r.user, r.account): r.factor for r in rows}))
        for i, row in enumerate(rows):
            if row.user is not None:
                share.set_factor(i, 1.0 if row.user == "dan" else 0.25)

    name = algorithm(flat, description="flat")
    assert name in gpusched.fairshare_algorithms()
    assert gpusched.fairshare_algorithms()[:2] == ["fair-tree", "classic"]
    with gpusched.Share(ACCOUNTS, USAGE, half_life=0) as share:
        share.compute(name, now=42)
        assert share.factor("ann") == 0.25
        assert share.factor("dan") == 1.0
        ((now, before),) = calls
        assert now == 42.0
        assert before[("ann", "A")] == exact(ANN)    # the classic factors
        assert before[("dan", "D")] == exact(DAN)
        share.compute("classic", 42)
        assert share.factor("ann") == exact(ANN)
    # a scheduler ranks by it
    share = gpusched.Share(ACCOUNTS, USAGE, half_life=0)
    with gpusched.Scheduler(h100, fairshare=name, share=share) as s:
        s.set_priority_weights(age=0, job_size=0, priority=0,
                               fairshare=10000, calc_period=0)
        s.set_usage_weights(gpu=0)
        a = s.submit(8, user="ann", account="A", submit_time=0)
        d = s.submit(8, user="dan", account="D", submit_time=0)
        assert start_order(s, [a, d], t0=0) == [d, a]
        assert s.priority(a).fairshare == 0.25
        assert s.priority(a).total == exact(2500, 1e-9)
        # back to classic: ann's factor is hers again
        s.set_fairshare("classic")
        s.step(100)
        assert s.priority(a).fairshare == exact(ANN)
        s.set_fairshare(name)
        s.step(101)
        assert s.priority(a).fairshare == 0.25
    share.close()


def test_fairshare_algorithm_errors(h100, algorithm):
    def fails(share, now):
        share.set_factor(0, 0.5)
        raise Boom("no quota service")

    name = algorithm(fails)
    with gpusched.Share(ACCOUNTS, USAGE, half_life=0) as share:
        with pytest.raises(Boom, match="no quota service") as e:
            share.compute(name, 0)
        # the library's report of the failure is the context
        assert isinstance(e.value.__context__, gpusched.Error)
        # the factors are the classic ones
        assert share.factor("ann") == exact(ANN)
        share.factor("dan")                     # nothing stale
    # a factor out of range inside compute: that RangeError is raised
    name = algorithm(lambda share, now: share.set_factor(1, 1.5))
    with gpusched.Share(ACCOUNTS, USAGE) as share:
        with pytest.raises(gpusched.RangeError, match="factor = 1.5"):
            share.compute(name, 0)
    # the share is the call's only
    kept = []
    name = algorithm(lambda share, now: kept.append(share))
    with gpusched.Share(ACCOUNTS) as share:
        share.compute(name, 0)
    with pytest.raises(gpusched.ClosedError):
        kept[0].rows()
    # through a scheduler: the step completes, then raises
    calls = []

    def fails_once(share, now):
        calls.append(now)
        if len(calls) == 1:
            raise Boom("first")

    name = algorithm(fails_once)
    with gpusched.Scheduler(h100, fairshare=name) as s:
        s.set_priority_weights(calc_period=0)
        job = s.submit(8, submit_time=0)
        with pytest.raises(Boom, match="first"):
            s.step(0)
        assert s.job(job).state == JobState.RUNNING
        s.step(1)
    # registry errors
    with pytest.raises(gpusched.AlreadyExistsError, match="already"):
        gpusched.register_fairshare(name, lambda share, now: None)
    with pytest.raises(gpusched.AlreadyExistsError):
        gpusched.register_fairshare("classic", lambda share, now: None)
    with pytest.raises(gpusched.InvalidArgument, match="built-in"):
        gpusched.unregister_fairshare("fair-tree")
    with pytest.raises(gpusched.NotFoundError, match="'nope'"):
        gpusched.unregister_fairshare("nope")
    with pytest.raises(TypeError, match="compute must be a function"):
        gpusched.register_fairshare("x", None)
    with pytest.raises(TypeError, match="compute must be callable"):
        gpusched.register_fairshare("x", 1)
    with pytest.raises(gpusched.InvalidArgument, match="name"):
        gpusched.register_fairshare("", lambda share, now: None)
    with pytest.raises(gpusched.InvalidArgument,
                       match="fairshare 'nope' is not one of "
                             "\"fair-tree\", \"classic\""):
        gpusched.Scheduler(h100, fairshare="nope")
    with gpusched.Scheduler(h100) as s:
        with pytest.raises(gpusched.InvalidArgument, match="nope"):
            s.set_fairshare("nope")


def test_set_factor_is_checked():
    with gpusched.Share(ACCOUNTS, USAGE) as share:
        share.compute("classic", 0)
        rows = share.rows()
        i = next(k for k, r in enumerate(rows) if r.user == "ann")
        share.set_factor(i, 0.75)
        assert share.factor("ann") == 0.75
        for bad, cls, match in (
                (math.nan, gpusched.RangeError, "factor is NaN"),
                (1.5, gpusched.RangeError, "factor = 1.5"),
                (-0.1, gpusched.RangeError, "factor = -0.1"),
                (math.inf, gpusched.RangeError, "factor = inf"),
                ("1", TypeError, "factor")):
            with pytest.raises(cls, match=match):
                share.set_factor(i, bad)
        for bad, cls in ((len(rows), gpusched.InvalidArgument),
                         (-1, gpusched.InvalidArgument),
                         (1.0, TypeError), (None, TypeError)):
            with pytest.raises(cls, match="row"):
                share.set_factor(bad, 0.5)
        assert share.factor("ann") == 0.75            # nothing changed


# ---- the example --------------------------------------------------------------------------


def run_example(*argv):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(REPO, "python")
    return subprocess.run([sys.executable, EXAMPLE, *argv], env=env,
                          capture_output=True, text=True, timeout=300)


def test_example_runs_and_orders_by_deadline_and_floor():
    p = run_example()
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    lines = p.stdout.splitlines()
    # classic fair share: ann 2^(-0.9/0.5) = 0.287, dan 2^(-0.1/0.5) = 0.871
    assert "  ann: fair-share factor 0.287" in lines
    assert "  dan: fair-share factor 0.871" in lines
    # ann is below the floor (0.5): dan's jobs first by deadline (300, 900,
    # none), then ann's (100, 600)
    starts = [line.split()[2] for line in lines if " start " in line]
    assert starts == ["report-d", "eval-d", "sweep-d", "urgent-a", "train-a"]


def test_example_benchmark_prints_its_figures():
    p = run_example("--bench", "200", "--repeat", "3")
    assert p.returncode == 0, p.stderr
    assert "200 pending jobs, median of 3 steps:" in p.stdout
    for what in ("python ordering:", "built-in multifactor:",
                 "the Python callback:"):
        assert what in p.stdout and "us per pending job per step" in \
            p.stdout
    p = run_example("--bench", "0")
    assert p.returncode == 2 and "at least 1" in p.stderr
