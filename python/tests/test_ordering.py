"""Who goes first: multifactor priorities, fifo and priority orderings,
backfill (easy and conservative), preemption, limits, dependencies, usage
accrual and configuration. The scenarios of tests/test_order.c with the
same inputs, and the start times and factors worked out there."""

import gc
import math

import pytest

import gpusched
from gpusched import _lib
from gpusched._lib import lib
from gpusched.objects import (Backfill, EventKind, FairshareAlgo, JobState,
                              LimitKind, Ordering, PendingReason, PreemptMode)


def exact(x, tol=1e-12):
    return pytest.approx(x, rel=0, abs=tol)


pytestmark = pytest.mark.usefixtures("no_leaked_handles")


@pytest.fixture(scope="module")
def h100():
    """One node, 8 H100 on NVSwitch: every GPU set of a size is equal, so
    placement never decides a scenario here."""
    topo = gpusched.Topology.load("dgx-h100")
    yield topo
    topo.close()


def mk(topo, ordering="multifactor", backfill="none", preempt="off", **kw):
    return gpusched.Scheduler(topo, ordering=ordering, backfill=backfill,
                              preempt=preempt, **kw)


def sub(s, gpus, *, submit, limit=0, prio=0, **kw):
    """Submit a job at time ``submit`` (never earlier than the scheduler's
    last step: times do not go backwards)."""
    return s.submit(gpus, time_limit=limit, priority=prio, submit_time=submit,
                    **kw)


def step(s, now):
    events = s.step(now)
    s.check()
    return events


def expect_start(s, job, t):
    j = s.job(job)
    assert j.start_time == t, (f"job {job}: start {j.start_time}, want {t} "
                               f"({j.state}, {j.reason})")


def expect_pending(s, job, reason):
    j = s.job(job)
    assert (j.state, j.reason) == (JobState.PENDING, reason), f"job {job}"


def reason_has(s, job, needle):
    text = s.pending_reason(job)[1]
    assert needle in text, f"job {job}: reason {text!r} lacks {needle!r}"


def fairshare_only(s):
    """Weights that leave only fair share (and submit order) to decide."""
    s.set_priority_weights(age=0, priority=0, job_size=0, fairshare=10000,
                           calc_period=0)


# ---- usage accrues while jobs run, and decays ----------------------------


def test_fair_share_flips_as_usage_accrues(h100):
    with mk(h100) as s:
        s.configure('{"accounts":[{"name":"lab","shares":1}],'
                    '"users":[{"name":"u1","account":"lab"},'
                    '{"name":"u2","account":"lab"}],"half_life":1000}',
                    name="cfg.json")
        fairshare_only(s)
        H = 1000
        L = H / math.log(2)
        # u1 runs 8 GPUs over [0, 500]
        a = sub(s, 8, submit=0, user="u1", account="lab")
        step(s, 0)
        expect_start(s, a, 0)
        # both queue 8-GPU jobs; u1 first in time
        b = sub(s, 8, submit=400, user="u1", account="lab")
        c = sub(s, 8, submit=450, user="u2", account="lab")
        s.complete(a, 500)
        # usage of u1 at 500: integral of 8 * 2^(-(500-x)/H) over [0, 500]
        u1 = 8 * L * (1 - 2 ** (-500 / H))
        sh = s.share
        assert sh.usage("u1", "lab", 500) == pytest.approx(u1, rel=1e-6)
        step(s, 500)
        # u2 has used nothing: it goes first though it came later
        expect_start(s, c, 500)
        expect_pending(s, b, PendingReason.RESOURCES)
        assert s.priority(b).fairshare == exact(0.5)  # rank 1 of 2
        # u2 runs [500, 1500]; u1 decays to half: u1 now goes first
        d = sub(s, 8, submit=1000, user="u2", account="lab")
        s.complete(c, 1500)
        u2 = 8 * L * (1 - 2 ** (-1000 / H))
        assert sh.usage("u2", "lab", 1500) == pytest.approx(u2, rel=1e-6)
        assert sh.usage("u1", "lab", 1500) == pytest.approx(u1 / 2,
                                                            abs=1e-6 * u1)
        step(s, 1500)
        expect_start(s, b, 1500)
        expect_pending(s, d, PendingReason.RESOURCES)
        # while b runs, u1's usage accrues at 8/s; they meet when
        # 2^(-x/H) = 8L / (8L + u2 - u1/2)
        r = 8 * L / (8 * L + u2 - u1 / 2)
        x = -H * math.log2(r)
        before = 1500 + math.floor(x) - 1
        after = 1500 + math.ceil(x) + 1
        s.update_usage(before)
        assert sh.usage("u1", "lab", before) < sh.usage("u2", "lab", before)
        s.update_usage(after)
        assert sh.usage("u1", "lab", after) > sh.usage("u2", "lab", after)
        # and the order follows: with b done, u2's d goes before u1's next
        e = sub(s, 8, submit=after, user="u1", account="lab")
        s.complete(b, after)
        step(s, after)
        expect_start(s, d, after)
        expect_pending(s, e, PendingReason.RESOURCES)
        rows = {r.name: r for r in s.fairshare_report()}
        assert rows["u2"].factor == exact(1.0)
        assert rows["u1"].factor == exact(0.5)


# ---- the multifactor priority, factor by factor ---------------------------


def test_multifactor_breakdown(h100):
    with mk(h100) as s:
        s.configure('{"users":[{"name":"u","account":"root"}],'
                    '"priority_weights":{"age":1000,"fairshare":2000,'
                    '"job_size":400,"priority":100,"max_age":7200,'
                    '"calc_period":0}}')
        big = sub(s, 8, submit=0, user="u")  # fills the node
        step(s, 0)
        expect_start(s, big, 0)
        j1 = sub(s, 4, user="u", prio=50, submit=0, nice=30)
        j2 = sub(s, 2, user="u", prio=100, submit=1800)
        step(s, 3600)
        # j1: age 3600/7200 = .5, size 4/8 = .5, priority 50/100 = .5, fair
        # share 1 (the only user): 1000*.5 + 2000 + 400*.5 + 100*.5 - 30
        b = s.priority(j1)
        assert b.job == j1
        assert b.age == exact(0.5)
        assert b.job_size == exact(0.5)
        assert b.priority == exact(0.5)
        assert b.fairshare == exact(1.0)
        assert b.nice == exact(30)
        assert b.w_age == exact(500, 1e-9)
        assert b.w_fairshare == exact(2000, 1e-9)
        assert b.w_job_size == exact(200, 1e-9)
        assert b.w_priority == exact(50, 1e-9)
        assert b.total == exact(2720, 1e-9)
        assert b.total == exact(b.w_age + b.w_fairshare + b.w_job_size +
                                b.w_priority - b.nice, 1e-9)
        assert s.job(j1).priority_value == exact(2720, 1e-9)
        # j2: age .25, size .25, priority 1: 250 + 2000 + 100 + 100
        assert s.priority(j2).total == exact(2450, 1e-9)
        assert s.job(j2).priority_value == exact(2450, 1e-9)
        # age is capped at 1
        step(s, 100000)
        assert s.priority(j1).age == exact(1.0)
        # the breakdown is a frozen copy
        with pytest.raises(AttributeError):
            b.total = 0
        # errors
        with pytest.raises(gpusched.NotFoundError, match="no job 999"):
            s.priority(999)
        with pytest.raises(gpusched.NotFoundError, match="no job 0"):
            s.priority(0)
        with pytest.raises(gpusched.RangeError, match="age = -1 "):
            s.set_priority_weights(age=-1)
        with pytest.raises(gpusched.RangeError, match="calc_period = -5 "):
            s.set_priority_weights(calc_period=-5)
        with pytest.raises(TypeError, match="fairshare"):
            s.set_priority_weights(fairshare="lots")
        with pytest.raises(TypeError):
            s.set_priority_weights(bogus=1)


def test_fifo_and_priority_orderings(h100):
    for o in ("fifo", "priority"):
        with mk(h100, ordering=o) as s:
            run = sub(s, 8, submit=0)
            step(s, 0)
            a = sub(s, 8, prio=1, submit=1)
            b = sub(s, 8, prio=9, submit=2)
            c = sub(s, 8, prio=9, submit=2)
            s.complete(run, 10)
            step(s, 10)
            # fifo: a (earliest); priority: b (9, earlier id than c)
            first, second, last = (b, c, a) if o == "priority" else (a, b, c)
            expect_start(s, first, 10)
            s.complete(first, 20)
            step(s, 20)
            expect_start(s, second, 20)
            expect_pending(s, last, PendingReason.RESOURCES)
            assert s.job(a).priority_value == 0  # not multifactor


# ---- backfill --------------------------------------------------------------


@pytest.mark.parametrize("mode", ["none", "easy", Backfill.CONSERVATIVE])
def test_easy_backfill_issue_scenario(h100, mode):
    # one 8-GPU node, a 6-GPU job running until t=100; queue B (8 GPUs, no
    # limit), C (2 GPUs, limit 200), D (2 GPUs, limit 50) in that order
    with mk(h100, ordering="priority", backfill=mode) as s:
        a = sub(s, 6, submit=0, limit=100, prio=99)
        step(s, 0)
        expect_start(s, a, 0)
        b = sub(s, 8, submit=0, prio=30)
        c = sub(s, 2, submit=0, limit=200, prio=20)
        d = sub(s, 2, submit=0, limit=50, prio=10)
        step(s, 0)
        expect_pending(s, b, PendingReason.RESOURCES)
        if mode == "none":
            # strict order: nothing passes B
            expect_pending(s, c, PendingReason.PRIORITY)
            expect_pending(s, d, PendingReason.PRIORITY)
            return
        # B is reserved at 100 (A's limit); D ends at 50 <= 100: starts
        # now; C would end at 200 > 100: it would delay B
        reason_has(s, b, "reserved to start at 100")
        expect_start(s, d, 0)
        expect_pending(s, c, PendingReason.RESERVATION)
        reason_has(s, c, "would delay the reserved start of job")
        assert s.pending_reason(c)[0] == "reservation"
        s.complete(d, 40)
        step(s, 40)  # 40 + 200 > 100: C still waits
        expect_pending(s, c, PendingReason.RESERVATION)
        s.complete(a, 100)
        step(s, 100)
        expect_start(s, b, 100)
        expect_pending(s, c, PendingReason.RESOURCES)
        s.complete(b, 300)
        step(s, 300)
        expect_start(s, c, 300)


@pytest.mark.parametrize("cons", [False, True])
def test_conservative_protects_every_job(h100, cons):
    # A (4, limit 100) and E (2, limit 300) run from 0; queue B (4, limit
    # 100), C (6, limit 100), D (2, limit 250). Easy: D starts at 0, C
    # waits until 250. Conservative: D would delay C's reservation at 200.
    # first-fit takes the lowest free GPUs (F 0-1, A 2-5, E 6-7)
    with mk(h100, ordering="priority", placement="first-fit",
            backfill="conservative" if cons else "easy") as s:
        f = sub(s, 2, submit=0, limit=10, prio=100)
        a = sub(s, 4, submit=0, limit=100, prio=95)
        e = sub(s, 2, submit=0, limit=300, prio=90)
        step(s, 0)
        s.complete(f, 0)
        b = sub(s, 4, submit=0, limit=100, prio=30)
        c = sub(s, 6, submit=0, limit=100, prio=20)
        d = sub(s, 2, submit=0, limit=250, prio=10)
        step(s, 0)
        reason_has(s, b, "reserved to start at 100")
        if cons:
            reason_has(s, c, "reserved to start at 200")
            expect_pending(s, d, PendingReason.RESERVATION)
        else:
            expect_start(s, d, 0)
        s.complete(a, 100)
        step(s, 100)
        expect_start(s, b, 100)
        s.complete(b, 200)
        step(s, 200)
        if cons:
            expect_start(s, c, 200)
            expect_pending(s, d, PendingReason.RESOURCES)
            s.complete(c, 300)
            s.complete(e, 300)
            step(s, 300)
            expect_start(s, d, 300)
        else:
            expect_pending(s, c, PendingReason.RESOURCES)
            s.complete(d, 250)
            step(s, 250)
            expect_start(s, c, 250)


def test_no_time_limit_never_backfills(h100):
    with mk(h100, ordering="priority", backfill="easy") as s:
        sub(s, 6, submit=0, limit=100, prio=99)
        step(s, 0)
        b = sub(s, 8, submit=0, prio=30)
        d = sub(s, 2, submit=0, prio=10)  # no limit
        step(s, 0)
        expect_pending(s, b, PendingReason.RESOURCES)
        expect_pending(s, d, PendingReason.PRIORITY)
        reason_has(s, d, "no time limit")


@pytest.mark.parametrize("how", ["configure", "constructor"])
def test_backfill_depth_and_horizon(h100, how):
    if how == "configure":
        s = mk(h100, ordering="priority", backfill="easy")
        s.configure('{"backfill":{"mode":"easy","depth":2,"horizon":50}}')
    else:
        s = mk(h100, ordering=Ordering.PRIORITY, backfill=Backfill.EASY,
               backfill_depth=2, backfill_horizon=50)
    with s:
        sub(s, 6, submit=0, limit=100, prio=99)
        step(s, 0)
        b = sub(s, 8, submit=0, prio=50)
        # two that cannot start (too big to backfill), then one that could
        x = sub(s, 4, submit=0, limit=10, prio=40)
        y = sub(s, 4, submit=0, limit=10, prio=30)
        z = sub(s, 1, submit=0, limit=10, prio=20)
        step(s, 0)
        # B's start (100) is beyond the 50 s horizon: no reservation
        expect_pending(s, b, PendingReason.RESOURCES)
        expect_pending(s, x, PendingReason.RESOURCES)
        expect_pending(s, y, PendingReason.RESOURCES)
        expect_pending(s, z, PendingReason.PRIORITY)  # depth 2 reached
        s.configure('{"backfill":{"depth":3}}')
        step(s, 1)
        expect_start(s, z, 1)


def test_backfill_interval(h100):
    with mk(h100, ordering="priority", backfill="easy") as s:
        s.configure('{"backfill": {"interval": 50}}')
        a = sub(s, 6, submit=0, limit=100, prio=99)
        step(s, 0)  # a backfill pass (the first step)
        expect_start(s, a, 0)
        b = sub(s, 8, submit=0, prio=30)
        e = sub(s, 2, submit=0, limit=20, prio=5)
        step(s, 40)  # 40 < 0 + 50: in order only, e waits behind b
        expect_pending(s, b, PendingReason.RESOURCES)
        expect_pending(s, e, PendingReason.PRIORITY)
        step(s, 50)  # a pass: e ends at 70, before b's start at 100
        expect_start(s, e, 50)


# ---- preemption ------------------------------------------------------------


@pytest.mark.parametrize("mode", ["requeue", "cancel", True])
def test_preemption_requeue_and_cancel(h100, mode):
    cancel = mode == "cancel"
    # X: 2 GPUs from 150, Y: 6 GPUs from 100, both preemptible. At 200, H
    # (6 GPUs, higher priority) arrives. Lost work: X 100, Y 600; X alone
    # frees too little, X+Y enough, then X is spared: victim Y.
    with mk(h100, ordering="priority", preempt=mode) as s:
        y = sub(s, 6, submit=0, prio=1, preemptible=True)
        step(s, 100)
        x = sub(s, 2, submit=100, prio=1, preemptible=True)
        step(s, 150)
        h = sub(s, 6, prio=10, submit=200)
        events = step(s, 200)
        expect_start(s, h, 200)
        assert s.job(x).state == JobState.RUNNING
        iy = s.job(y)
        assert iy.lost_gpu_seconds == exact(600, 1e-9)
        assert s.job(x).lost_gpu_seconds == 0
        # events: Y preempted (and requeued), then H started
        assert len(events) == (2 if cancel else 3)
        assert s.events == []         # step() consumed what it returned
        assert (events[0].kind, events[0].job) == (EventKind.PREEMPTED, y)
        assert (events[-1].kind, events[-1].job) == (EventKind.STARTED, h)
        assert all(ev.time == 200 for ev in events)
        if cancel:
            assert iy.state == JobState.PREEMPTED
            assert str(iy.state) == "preempted"
            assert iy.end_time == 200
            assert iy.requeues == 0
        else:
            assert (events[1].kind, events[1].job) == (EventKind.REQUEUED, y)
            assert iy.state == JobState.PENDING
            assert iy.requeues == 1
            assert iy.end_time is None
            # it runs again when H is done
            s.complete(h, 300)
            step(s, 300)
            expect_start(s, y, 300)
            assert s.job(y).requeues == 1


def test_preemption_respects_rank_and_flag(h100):
    with mk(h100, ordering="priority", preempt=PreemptMode.REQUEUE) as s:
        keep = sub(s, 4, submit=0, prio=1)  # not preemptible
        high = sub(s, 4, submit=0, prio=50, preemptible=True)
        step(s, 0)
        # a job that does not outrank the preemptible one cannot preempt
        # it, and nothing preempts the unmarked one
        mid = sub(s, 4, submit=0, prio=20)
        assert step(s, 10) == []
        expect_pending(s, mid, PendingReason.RESOURCES)
        top = sub(s, 8, submit=10, prio=90)
        step(s, 20)
        # 8 GPUs would need the unmarked job's too: no preemption at all
        expect_pending(s, top, PendingReason.RESOURCES)
        assert s.job(high).state == JobState.RUNNING
        assert s.job(keep).state == JobState.RUNNING


def test_preemption_is_off_by_default(h100):
    with gpusched.Scheduler(h100, ordering="priority") as s:
        low = sub(s, 8, submit=0, prio=1, preemptible=True)
        step(s, 0)
        high = sub(s, 8, submit=0, prio=10)
        assert step(s, 1) == []
        expect_pending(s, high, PendingReason.RESOURCES)
        assert s.job(low).running
    with mk(h100, ordering="priority", preempt=False) as s:
        sub(s, 8, submit=0, prio=1, preemptible=True)
        step(s, 0)
        sub(s, 8, submit=0, prio=10)
        assert step(s, 1) == []


# ---- limits and dependencies ----------------------------------------------


def test_limits_hold_only_their_jobs(h100):
    with mk(h100, ordering="fifo") as s:
        s.configure('{"accounts":[{"name":"phys"},'
                    '{"name":"hep","parent":"phys"}],'
                    '"users":[{"name":"u1","account":"hep"},'
                    '{"name":"u2","account":"hep"},'
                    '{"name":"u3","account":"root"}],'
                    '"limits":{"users":{"u1":4},'
                    '"accounts":{"phys":6}}}')
        a = sub(s, 2, submit=0, user="u1", account="hep")
        b = sub(s, 2, submit=0, user="u1", account="hep")
        c = sub(s, 2, submit=0, user="u1", account="hep")
        d = sub(s, 2, submit=0, user="u2", account="hep")
        e = sub(s, 2, submit=0, user="u2", account="hep")
        f = sub(s, 2, submit=0, user="u3", account="root")
        step(s, 0)
        # u1 stops at 4 GPUs (a, b); phys (through hep) at 6 (d); e waits
        # for the account; f is in neither and starts
        expect_start(s, a, 0)
        expect_start(s, b, 0)
        expect_pending(s, c, PendingReason.LIMIT)
        expect_start(s, d, 0)
        expect_pending(s, e, PendingReason.LIMIT)
        reason_has(s, e, "phys")
        assert s.pending_reason(e)[0] == "limit"
        expect_start(s, f, 0)
        s.complete(a, 10)
        step(s, 10)
        # a freed 2 of u1's 4 and of phys's 6: c (first in fifo) takes them
        expect_start(s, c, 10)
        expect_pending(s, e, PendingReason.LIMIT)
        # removing the account limit lets e start
        s.set_limit("account", "phys", 0)
        s.complete(f, 20)
        step(s, 20)
        expect_start(s, e, 20)
        with pytest.raises(gpusched.NotFoundError, match='no account "nope"'):
            s.set_limit(LimitKind.ACCOUNT, "nope", 1)
        with pytest.raises(gpusched.InvalidArgument, match="limit kind"):
            s.set_limit("group", "phys", 1)
        with pytest.raises(gpusched.RangeError, match="max_gpus"):
            s.set_limit("user", "u1", -1)


def test_default_user_limit(h100):
    with mk(h100, ordering="fifo") as s:
        s.set_limit("user", None, 2)  # every user without a limit of its own
        s.set_limit(LimitKind.USER, "big", 6)
        a = sub(s, 2, submit=0, user="small")
        b = sub(s, 2, submit=0, user="small")
        c = sub(s, 6, submit=0, user="big")
        step(s, 0)
        expect_start(s, a, 0)
        expect_pending(s, b, PendingReason.LIMIT)
        expect_start(s, c, 0)


def test_dependencies(h100):
    with mk(h100, ordering="fifo") as s:
        a = sub(s, 1, submit=0)
        b = sub(s, 1, submit=0, depends_on=a)
        c = sub(s, 1, submit=0)
        step(s, 0)
        expect_start(s, a, 0)
        expect_pending(s, b, PendingReason.DEPENDENCY)
        expect_start(s, c, 0)  # b does not hold back the queue
        s.complete(a, 5)
        step(s, 5)
        expect_start(s, b, 5)
        d = sub(s, 1, submit=5)
        e = sub(s, 1, submit=5, depends_on=d)
        s.cancel(d, 6)
        step(s, 6)
        expect_pending(s, e, PendingReason.DEPENDENCY)
        reason_has(s, e, "can never be satisfied")
        assert s.pending_reason(e)[0] == "dependency"
        # a dependency on a job that does not exist is refused
        with pytest.raises(gpusched.InvalidArgument, match="depends_on"):
            s.submit(1, depends_on=999, submit_time=6)


# ---- usage weights ---------------------------------------------------------


def test_usage_weights_and_model_weights(h100):
    with mk(h100, ordering="fifo") as s:
        s.configure('{"half_life": 0}')
        sh = s.share
        # default: billable GPU-seconds
        j = sub(s, 2, submit=0, user="u")
        step(s, 0)
        s.complete(j, 100)
        assert sh.usage("u", "root", 100) == exact(200, 1e-9)
        # an H100 counts twice
        s.set_model_weight("h100", 2)
        j = sub(s, 2, submit=100, user="v")
        step(s, 100)
        s.complete(j, 200)
        assert sh.usage("v", "root", 200) == exact(400, 1e-9)
        # the last matching rule wins; the GPU weight multiplies it
        s.set_model_weight("NVIDIA H100", 0.5)
        s.set_usage_weights(gpu=3)
        j = sub(s, 1, submit=200, user="w")
        step(s, 200)
        s.update_usage(210)
        assert sh.usage("w", "root", 210) == exact(15, 1e-9)
        s.complete(j, 210)
        with pytest.raises(gpusched.RangeError, match="gpu = -1 "):
            s.set_usage_weights(gpu=-1)
        with pytest.raises(gpusched.InvalidArgument, match="model weight"):
            s.set_model_weight("", 1)
        with pytest.raises(gpusched.RangeError, match="weight = -1 "):
            s.set_model_weight("H100", -1)
        with pytest.raises(TypeError, match="model"):
            s.set_model_weight(None, 1)


# ---- configuration ---------------------------------------------------------


CONFIG_ERRORS = [
    ('{"ordering": "lottery"}', 'cfg.json:1:14: "ordering" must be'),
    ('{"backfill": {"mode": "easy", "dept": 3}}',
     'cfg.json:1:31: unknown key "dept"'),
    ('{"priority_weights": {"age": -1}}', "cfg.json:1:"),
    ('{"accounts": [{"name": "a", "parent": "zz"}]}', "zz"),
    ('{"ordering": "priority",\n "limits": {"users": 3}}', "cfg.json:2:22:"),
    ('{"ordering": ', "cfg.json:1:"),
    ('{"ordering": "priority", "limits": {"accounts": {"nope": 2}}}',
     'cfg.json:1:50: no account "nope"'),
]


def test_configure_errors_change_nothing(h100):
    with mk(h100, ordering="fifo") as s:
        for text, msg in CONFIG_ERRORS:
            with pytest.raises(gpusched.Error) as err:
                s.configure(text, name="cfg.json")
            assert msg in err.value.message, text
            assert msg in str(err.value)
            assert err.value.status is not None
        # malformed JSON is a ParseError (a ValueError) at line:column
        with pytest.raises(gpusched.ParseError) as err:
            s.configure('{"ordering": "fifo",\n  "half_life": }')
        assert err.value.message.startswith("<buffer>:2:")
        assert isinstance(err.value, ValueError)
        # accounts of a bad document are not added either
        with pytest.raises(gpusched.ParseError):
            s.configure('{"accounts": [{"name": "new"}], "ordering": "x"}')
        assert [r.name for r in s.fairshare_report()] == ["root"]
        # still fifo: a later high-priority job does not pass
        r = sub(s, 8, submit=0)
        step(s, 0)
        a = sub(s, 8, prio=0, submit=1)
        b = sub(s, 8, prio=9, submit=2)
        s.complete(r, 3)
        step(s, 3)
        expect_start(s, a, 3)
        expect_pending(s, b, PendingReason.RESOURCES)
        with pytest.raises(TypeError):
            s.configure(None)
        s.configure(b'{"ordering": "priority"}')  # bytes are fine too


def test_configure_accepts_the_binding_names(h100):
    # every name the enums print is a name the library's configure takes
    with mk(h100) as s:
        for m in Ordering:
            s.configure(f'{{"ordering": "{m}"}}')
        for m in FairshareAlgo:
            s.configure(f'{{"fairshare": "{m}"}}')
        for m in Backfill:
            s.configure(f'{{"backfill": "{m}"}}')
        for m in PreemptMode:
            s.configure(f'{{"preemption": "{m}"}}')


def test_constructor_keywords(h100):
    with gpusched.Scheduler(h100, ordering=Ordering.FIFO,
                            fairshare="classic", backfill="Conservative",
                            backfill_depth=5, backfill_horizon=3600,
                            preempt="cancel") as s:
        assert s.share.rows()[0].account == "root"
    # the library's defaults when left out
    cfg = _lib.new_struct(_lib.SchedConfigC, "gs_sched_config_init")
    assert (cfg.ordering, cfg.fairshare, cfg.backfill, cfg.preempt) == (
        Ordering.MULTIFACTOR, FairshareAlgo.FAIR_TREE, Backfill.NONE,
        PreemptMode.OFF)
    for kw, match in ((dict(ordering="lottery"), "ordering 'lottery'"),
                      (dict(fairshare="fair"), "fairshare 'fair'"),
                      (dict(backfill="sometimes"), "backfill"),
                      (dict(preempt="maybe"), "preempt"),
                      (dict(preempt=7), "preempt"),
                      (dict(backfill_depth=-1), "backfill_depth"),
                      (dict(backfill_horizon=-5), "backfill_horizon")):
        # names out of range: ValueError (InvalidArgument, or RangeError
        # for numbers)
        with pytest.raises(ValueError, match=match):
            gpusched.Scheduler(h100, **kw)
    with pytest.raises(TypeError):
        gpusched.Scheduler(h100, backfill_depth="deep")


# ---- names ----------------------------------------------------------------


def test_names_of_states_and_reasons():
    def name(fn, v):
        return fn(int(v)).decode()
    assert name(lib.gs_job_state_name, JobState.PREEMPTED) == "preempted"
    assert name(lib.gs_pending_reason_name, PendingReason.LIMIT) == "limit"
    for m in JobState:
        assert str(m) == name(lib.gs_job_state_name, m)
    for m in PendingReason:
        assert str(m) == name(lib.gs_pending_reason_name, m)
    assert name(lib.gs_pending_reason_name, 99) == "?"
    assert name(lib.gs_job_state_name, 99) == "?"
    assert PendingReason.coerce(99) == 99
    assert {str(m) for m in PendingReason} >= {
        "reservation", "dependency", "limit", "priority"}
    assert [str(m) for m in EventKind] == ["started", "failed", "preempted",
                                           "requeued", "timeout"]
    assert str(FairshareAlgo.FAIR_TREE) == "fair-tree"
    assert LimitKind.parse("Account", "kind") is LimitKind.ACCOUNT
    assert Backfill.parse(2, "backfill") is Backfill.CONSERVATIVE


# ---- quiet steps -----------------------------------------------------------


def test_quiet_steps_decide_the_same(h100):
    """By hand: 7 of 8 GPUs busy; B (8 GPUs) blocks; 1-GPU jobs behind it
    wait (no backfill) however often the scheduler steps, until the 7-GPU
    job ends at 500: then B starts, and the 1-GPU jobs wait behind it
    again. Both schedulers give the same starts; the quiet one was quiet
    at the steps between (nothing could start)."""
    starts = []
    for quiet in (False, True):
        with mk(h100, ordering="fifo") as s:
            s.set_quiet_steps(quiet)
            assert s.quiet_steps() == (quiet, 0)
            run = sub(s, 7, submit=0)
            step(s, 0)
            b = sub(s, 8, submit=1)
            small = [sub(s, 1, submit=2 + i) for i in range(3)]
            for t in range(2, 500, 10):
                step(s, t)
            expect_pending(s, b, PendingReason.RESOURCES)
            for j in small:
                expect_pending(s, j, PendingReason.PRIORITY)
                reason_has(s, j, f"job {b}")
            s.complete(run, 500)
            step(s, 500)
            expect_start(s, b, 500)
            starts.append([s.job(j).start_time for j in [b] + small])
            on, n = s.quiet_steps()
            assert on == quiet
            # the step at 2 is full (jobs submitted for 3 and 4 are not
            # due yet: no quiet step while any is), the one at 12 full and
            # armed, 22..492 (48 steps) quiet, and the one at 500 too: b,
            # first in rank, starts, and the next in rank (the first 1-GPU
            # job, in the window kept behind b) does not fit
            assert n == (49 if quiet else 0)
    assert starts[0] == starts[1]


def test_quiet_steps_arguments(h100):
    with mk(h100) as s:
        with pytest.raises(TypeError):
            s.set_quiet_steps("yes")
        s.set_quiet_steps(1)
        assert s.quiet_steps()[0] is True
        s.set_quiet_steps(False)
        assert s.quiet_steps() == (False, 0)
