"""Share: accounts, usage, decay and the fair-share factors (the scenarios
of tests/test_order.c, same inputs and the values worked out there), its
errors, and the lifetimes of a Share and the schedulers using it."""

import gc
import math
import os
import pickle
import pydoc
import weakref

import pytest

import gpusched
from gpusched import _lib
from gpusched.objects import FairshareAlgo

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "data",
                    "sched")


def exact(x):
    return pytest.approx(x, rel=0, abs=1e-12)


pytestmark = pytest.mark.usefixtures("no_leaked_handles")


def read(name):
    with open(os.path.join(DATA, name)) as f:
        return f.read()


@pytest.fixture
def slurm_example():
    """Slurm's classic fair-share example (tests/data/sched), no decay."""
    with gpusched.Share() as share:
        share.load_accounts(read("slurm-classic-accounts.json"),
                            name="accounts.json")
        share.load_usage(read("slurm-classic-usage.csv"), name="usage.csv")
        share.set_half_life(0)
        yield share


@pytest.fixture
def h100():
    topo = gpusched.Topology.load("dgx-h100")
    yield topo
    topo.close()


# ---- the algorithms ------------------------------------------------------


def test_classic_matches_slurm_example(slurm_example):
    share = slurm_example
    share.compute("classic", now=0)
    # Slurm's classic_fair_share page: 0.408, 0.022, 0.125, 0.5, 0.749
    # (worked out by hand in tests/test_order.c)
    want = {("user1", "B"): 0.408479, ("user2", "C"): 0.022097,
            ("user3", "C"): 0.125, ("user4", "E"): 0.5,
            ("user5", "F"): 0.749154}
    for (user, account), f in want.items():
        assert share.factor(user, account) == pytest.approx(f, abs=1e-6)
        assert share.factor(user) == share.factor(user, account)
    # exact forms: 2^(-.3875/.3), 2^(-5.5), 2^(-3), 2^(-1), 2^(-.145833/.35)
    assert share.factor("user1", "B") == exact(2 ** (-0.3875 / 0.3))
    assert share.factor("user2", "C") == exact(2 ** -5.5)
    assert share.factor("user3", "C") == exact(0.125)
    assert share.factor("user5", "F") == exact(2 ** (-(0.25 * 35 / 60)
                                                     / 0.35))
    # sshare-like rows: root first, then depth first in name order
    rows = share.rows()
    assert len(rows) == len(share) == 12
    assert [r.name for r in rows] == [
        "root", "A", "B", "user1", "C", "user2", "user3", "D", "E", "user4",
        "F", "user5"]
    b = rows[2]
    assert (b.account, b.user, b.depth, b.is_user) == ("B", None, 2, False)
    assert b.raw_shares == 30
    assert b.norm_shares == exact(0.3)
    assert b.effective_usage == exact(0.3875)
    u1 = rows[3]
    assert (u1.account, u1.user, u1.depth, u1.is_user) == ("B", "user1", 3,
                                                           True)
    assert u1.factor == pytest.approx(0.408479, abs=1e-6)
    assert u1.rank == 0  # ranks are fair tree's
    root = rows[0]
    assert (root.depth, root.account, root.user) == (0, "root", None)
    assert root.raw_usage == exact(1.0)  # .2 + .25 + .25 + .3
    assert rows[4].raw_usage == exact(0.25) and rows[4].norm_usage == \
        exact(0.25)
    assert share.report() == rows
    text = share.format_report()
    assert text.splitlines()[0].split()[:2] == ["Account", "User"]
    assert len(text.splitlines()) == 13


def test_fair_tree_ranks_slurm_example(slurm_example):
    share = slurm_example
    share.compute(FairshareAlgo.FAIR_TREE, now=0)
    # Level FS: D (1.68) before A (.622); in D: F (no usage) then E; in A:
    # B (1.69) before C (.45); in C user3 (no usage) before user2. Ranks
    # 5..1 in that order, factor = rank / 5.
    for user, account, f in (("user5", "F", 1.0), ("user4", "E", 0.8),
                             ("user1", "B", 0.6), ("user3", "C", 0.4),
                             ("user2", "C", 0.2)):
        assert share.factor(user, account) == exact(f)
    with pytest.raises(gpusched.NotFoundError, match="nobody"):
        share.factor("nobody", "C")
    with pytest.raises(gpusched.NotFoundError):
        share.factor("user1", "C")
    rows = {r.name: r for r in share.rows()}
    assert rows["user5"].rank == 5 and rows["user2"].rank == 1
    assert math.isinf(rows["user5"].level_fs)
    assert rows["A"].level_fs == pytest.approx(0.4 / 0.642857, abs=1e-5)
    assert rows["D"].level_fs == pytest.approx(0.6 / 0.357143, abs=1e-5)
    assert rows["A"].rank == 0


def test_fair_tree_norm_shares_as_sshare_shows_them():
    """Slurm testsuite/expect/test24.4 (Fair Tree): sshare's NormShares is
    the share among siblings (row.level_shares); Fairshare=parent rows show
    their parent's (aD's 50 of 208)."""
    sim = os.path.join(os.path.dirname(DATA), "sim")
    with open(os.path.join(sim, "slurm-test24.4-accounts.json")) as f:
        accounts = f.read()
    with open(os.path.join(sim, "slurm-test24.4-usage.csv")) as f:
        usage = f.read()
    with gpusched.Share(accounts, usage) as share:
        share.compute("fair-tree", 0)
        rows = {(r.account, r.user): r for r in share.rows()}
        want = {("root", "u1"): 10 / 208, ("aA", None): 40 / 208,
                ("aAA", None): 0.75, ("aAB", "uAB1"): 0.5,
                ("aD", "uD1"): 50 / 208, ("aDA", None): 50 / 208,
                ("aDA", "uDA1"): 50 / 208, ("aD", "uD2"): 40 / 170,
                ("aDA", "uDA2"): 30 / 170, ("aF", "uF2"): 20 / 30}
        for key, value in want.items():
            assert rows[key].level_shares == pytest.approx(value, abs=1e-12)
        # the machine fraction stays in norm_shares: 40/208 * 30/40
        assert rows[("aAA", None)].norm_shares == pytest.approx(30 / 208)


def test_fair_tree_ties():
    # X and Y tie (LFS 1); merged, a and c (LFS 2) share rank 4, b and d
    # (.667) rank 2
    with gpusched.Share(half_life=0) as share:
        share.add_account("X", None, 1)
        share.add_account("Y", shares=1)
        for user, account, usage in (("a", "X", 10), ("b", "X", 30),
                                     ("c", "Y", 10), ("d", "Y", 30)):
            share.add_user(user, account, 1)
            share.set_usage(user, account, usage, now=0)
        share.compute("fair-tree", 0)
        assert share.factor("a", "X") == exact(1.0)
        assert share.factor("c", "Y") == exact(1.0)
        assert share.factor("b", "X") == exact(0.5)
        assert share.factor("d", "Y") == exact(0.5)


def test_decay_is_exact():
    with gpusched.Share() as share:
        share.add_user("u", "root", 1)
        share.set_half_life(100)
        share.set_usage("u", "root", 1000, now=50)
        # one half-life later: 500; two: 250; 37 s: 1000 * 2^-0.37
        assert share.usage("u", "root", 150) == pytest.approx(500, abs=1e-9)
        assert share.usage("u", "root", 250) == pytest.approx(250, abs=1e-9)
        assert share.usage("u", "root", 87) == pytest.approx(
            1000 * 2 ** -0.37, abs=1e-9)
        # adding decays what was there first
        share.add_usage("u", "root", 10, now=150)
        assert share.usage("u", "root", 150) == pytest.approx(510, abs=1e-9)
        assert share.usage(None, "root", 250) == pytest.approx(255, abs=1e-9)
        # bad arguments change nothing, and say why
        with pytest.raises(gpusched.RangeError, match="half_life"):
            share.set_half_life(-1)
        with pytest.raises(gpusched.RangeError, match="amount = -1 "):
            share.add_usage("u", "root", -1, now=150)
        with pytest.raises(gpusched.NotFoundError,
                           match="no association v in account root"):
            share.add_usage("v", "root", 1, now=150)
        assert share.usage("u", "root", 150) == pytest.approx(510, abs=1e-9)
        # a usage file with a bad line changes nothing, and says where
        csv = "user,account,usage\nu,root,7\nw,root,x\n"
        with pytest.raises(gpusched.ParseError) as err:
            share.load_usage(csv, name="u.csv")
        assert "u.csv:3:8:" in err.value.message
        assert err.value.name == "GS_EPARSE"
        assert share.last_error == err.value.message
        assert share.usage("u", "root", 150) == pytest.approx(510, abs=1e-9)
        with pytest.raises(gpusched.NotFoundError, match="'w'"):
            share.usage("w", "root", 150)


def test_usage_csv_adds_unknown_associations():
    with gpusched.Share() as share:
        share.load_usage(b"# no header\nnew,acct,5\n,other,2\n")
        rows = {(r.account, r.user): r for r in share.rows()}
        assert ("acct", "new") in rows and ("other", None) in rows
        assert rows[("acct", None)].raw_shares == 1
        assert share.usage("new", "acct", 0) == 5
        assert share.usage(None, "other", 0) == 2


# ---- errors --------------------------------------------------------------


def test_building_errors_carry_the_library_message():
    with gpusched.Share() as share:
        share.add_account("A", shares=40)
        with pytest.raises(gpusched.AlreadyExistsError,
                           match='account "A" already exists'):
            share.add_account("A")
        with pytest.raises(gpusched.NotFoundError,
                           match='no parent account "zz"'):
            share.add_account("B", parent="zz")
        with pytest.raises(gpusched.RangeError, match="shares"):
            share.add_account("B", shares=-1)
        with pytest.raises(gpusched.NotFoundError, match='no account "Q"'):
            share.add_user("u", "Q")
        share.add_user("u", "A")
        with pytest.raises(gpusched.AlreadyExistsError, match="already"):
            share.add_user("u", "A")
        with pytest.raises(gpusched.InvalidArgument):
            share.add_user("has space", "A")
        with pytest.raises(gpusched.NotFoundError, match="'nobody'"):
            share.factor("nobody")
        share.add_user("u", "root")
        with pytest.raises(gpusched.InvalidArgument, match="2 accounts"):
            share.factor("u")
        with pytest.raises(gpusched.InvalidArgument,
                           match="fair-share algorithm 'lottery'"):
            share.compute("lottery", 0)
        with pytest.raises(gpusched.InvalidArgument, match="algorithm 7"):
            share.compute(7, 0)
        # binding-side type checks
        with pytest.raises(TypeError, match="shares"):
            share.add_account("C", shares="1")
        with pytest.raises(TypeError, match="now"):
            share.usage("u", "A", now=None)
        with pytest.raises(TypeError, match="account"):
            share.set_usage("u", None, 1, 0)
        with pytest.raises(TypeError, match="accounts"):
            share.load_accounts(42)
        with pytest.raises(gpusched.InvalidArgument, match="NUL"):
            share.add_account("a\0b")
        # nothing above changed the tree
        assert [r.name for r in share.rows()] == ["root", "u", "A", "u"]


def test_bad_accounts_json_adds_nothing():
    with gpusched.Share() as share:
        text = ('{"accounts": [{"name": "A"}, {"name": "B", "parent": "A"}],'
                '\n "users": [{"name": "u", "account": "B", "shares": "x"}]}')
        with pytest.raises(gpusched.ParseError) as err:
            share.load_accounts(text, name="acc.json")
        assert err.value.message.startswith("acc.json:2:")
        assert len(share) == 1
        with pytest.raises(gpusched.ParseError, match="<buffer>:1:"):
            share.load_accounts("{")
        # accounts may come in any order
        share.load_accounts('{"accounts": [{"name": "B", "parent": "A"}, '
                            '{"name": "A"}], "ordering": "fifo"}')
        assert [r.name for r in share.rows()] == ["root", "A", "B"]


# ---- the object ----------------------------------------------------------


SHARE_CALLS = [
    ("load_accounts", ("{}",)), ("load_usage", ("",)),
    ("add_account", ("a",)), ("add_user", ("u", "root")),
    ("set_usage", ("u", "root", 1, 0)), ("add_usage", ("u", "root", 1, 0)),
    ("usage", ("u", "root", 0)), ("set_half_life", (0,)),
    ("compute", ("fair-tree", 0)),
    ("factor", ("u", "root")), ("rows", ()), ("report", ()),
    ("format_report", ()), ("__len__", ()),
]


@pytest.mark.parametrize("name,args", SHARE_CALLS)
def test_closed_share_raises(name, args):
    share = gpusched.Share()
    share.close()
    assert share.closed
    with pytest.raises(gpusched.ClosedError, match="share is closed"):
        getattr(share, name)(*args)


def test_share_close_with_repr_pickle():
    with gpusched.Share() as share:
        share.add_account("A")
        assert repr(share) == "<gpusched.Share 2 associations>"
        assert not share.is_view and share.scheduler is None
        with pytest.raises(TypeError, match="pickled"):
            pickle.dumps(share)
    assert share.closed
    share.close()
    share.close()
    assert repr(share) == "<gpusched.Share closed>"
    with pytest.raises(gpusched.ClosedError):
        share.last_error
    with pytest.raises(gpusched.ClosedError):
        with share:
            pass
    # collected without close(): the finalizer releases it
    n = _lib.live_handles()
    gpusched.Share()
    gc.collect()
    assert _lib.live_handles() == n


def test_help_reads_well():
    text = pydoc.render_doc(gpusched.Share, renderer=pydoc.plaintext)
    for word in ("class Share", "fair-tree", "load_accounts(self, text",
                 "add_user(self, user", "compute(self, algo",
                 "factor(self, user", "rows(self)", "Scheduler.share"):
        assert word in text, word
    text = pydoc.render_doc(gpusched.Scheduler, renderer=pydoc.plaintext)
    for word in ("configure(self, text", "set_priority_weights(self, *",
                 "set_limit(self, kind", "priority(self, job",
                 "fairshare_report(self)", "backfill_horizon", "preempt"):
        assert word in text, word
    assert "total = w_age" in pydoc.render_doc(gpusched.PriorityBreakdown)
    assert gpusched.ShareRow.__doc__
    for name in ("Share", "ShareRow", "PriorityBreakdown", "Ordering",
                 "FairshareAlgo", "Backfill", "PreemptMode", "LimitKind"):
        assert name in gpusched.__all__
        assert getattr(gpusched, name)


# ---- lifetimes with schedulers -------------------------------------------


def test_share_outlives_the_scheduler(h100):
    share = gpusched.Share(half_life=0)
    share.add_account("lab")
    share.add_user("u", "lab")
    with gpusched.Scheduler(h100, share=share) as sched:
        assert sched._lock is share._lock
        job = sched.submit(2, user="u", account="lab", submit_time=0)
        sched.step(0)
        sched.complete(job, 100)
        assert sched.share.usage("u", "lab", 100) == exact(200)
    # the tree keeps what the scheduler charged
    assert share.usage("u", "lab", 100) == exact(200)
    share.compute("fair-tree", 100)
    assert share.factor("u") == exact(1.0)
    share.close()


def test_scheduler_outlives_its_share_object(h100):
    n = _lib.live_handles()
    share = gpusched.Share(half_life=0)
    share.add_account("lab")
    sched = gpusched.Scheduler(h100, share=share)
    assert _lib.live_handles() == n + 2
    ref = weakref.ref(share)
    del share
    gc.collect()
    assert ref() is not None  # the scheduler keeps its Share object
    view = sched.share
    view.add_user("u", "lab")
    assert view.is_view and view.scheduler is sched
    assert repr(view) == "<gpusched.Share (a scheduler's) 3 associations>"
    # closing the Share object: the scheduler keeps the C tree
    ref().close()
    assert ref().closed
    with pytest.raises(gpusched.ClosedError):
        ref().rows()
    assert _lib.live_handles() == n + 2
    job = sched.submit(1, user="u", account="lab", submit_time=0)
    sched.step(0)
    sched.complete(job, 10)
    assert view.usage("u", "lab", 10) == exact(10)
    assert [r.name for r in sched.fairshare_report()] == ["root", "lab", "u"]
    sched.close()
    assert _lib.live_handles() == n  # scheduler and tree both released
    with pytest.raises(gpusched.ClosedError, match="scheduler"):
        view.rows()
    assert view.closed
    del sched, view
    gc.collect()
    assert ref() is None


def test_view_keeps_its_scheduler_alive(h100):
    sched = gpusched.Scheduler(h100)
    sched.submit(1, user="alice", account="physics", submit_time=0)
    ref = weakref.ref(sched)
    view = sched.share
    del sched
    gc.collect()
    assert ref() is not None
    # the scheduler's own tree got the job's user and account
    assert [r.name for r in view.rows()] == ["root", "physics", "alice"]
    view.close()
    view.close()
    with pytest.raises(gpusched.ClosedError):
        view.rows()
    assert not ref().closed  # closing a view closes nothing else
    ref().close()
    del view
    gc.collect()
    assert ref() is None


def test_view_given_to_another_scheduler(h100):
    first = gpusched.Scheduler(h100)
    first.configure('{"accounts": [{"name": "lab"}], "half_life": 0}')
    second = gpusched.Scheduler(h100, ordering="fifo", share=first.share)
    assert second._lock is first._lock
    first.close()  # the C tree lives on in the first C scheduler
    job = second.submit(2, user="u", account="lab", submit_time=0)
    second.step(0)
    second.complete(job, 50)
    assert second.share.usage(None, "lab", 50) == exact(100)
    second.close()
    with pytest.raises(gpusched.ClosedError):
        gpusched.Scheduler(h100, share=second.share)


def test_a_closed_share_cannot_be_given(h100):
    share = gpusched.Share()
    share.close()
    with pytest.raises(gpusched.ClosedError):
        gpusched.Scheduler(h100, share=share)
    with pytest.raises(TypeError, match="gpusched.Share"):
        gpusched.Scheduler(h100, share="accounts.json")
