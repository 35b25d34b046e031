"""Accounts, shares, usage and the fair-share factor (``gs_share``)."""

from __future__ import annotations

import ctypes
import math
from ctypes import byref
from typing import List, Optional, Union

from . import _lib
from ._handle import (HandleOwner, check_int, check_number, decode,
                      encode)
from ._lib import lib
from .errors import ClosedError, InvalidArgument, NotFoundError
from .objects import FairshareAlgo, ShareRow

__all__ = ["Share"]

Text = Union[str, bytes]


def _time(value, what: str = "now") -> float:
    """A time in seconds as the library takes it: finite, within
    +-GS_TIME_MAX (2^60)."""
    return check_number(value, what, -float(_lib.TIME_MAX),
                        float(_lib.TIME_MAX))


def _usage(value, what: str) -> float:
    """Usage: from 0 to GS_USAGE_MAX (1e30)."""
    return check_number(value, what, 0.0, _lib.USAGE_MAX)


def text_bytes(text: Text, what: str) -> bytes:
    """Text to pass with its length (str as UTF-8, bytes as they are)."""
    if isinstance(text, str):
        return text.encode("utf-8")
    if isinstance(text, (bytes, bytearray, memoryview)):
        return bytes(text)
    raise TypeError(f"{what} must be str or bytes, not {type(text).__name__}")


class Share(HandleOwner):
    """An account tree with shares and usage, and the fair-share factors
    computed from them (``gs_share``; Slurm's associations).

    Accounts nest below the implicit account "root"; users belong to
    accounts, with shares of their own. Usage (billable GPU-seconds by
    default) is charged to a user in an account, or to an account itself,
    and decays with a half-life. ``compute(algo, now)`` derives every
    user's factor in [0, 1] with Slurm's "fair-tree" (the default) or
    "classic" algorithm; ``rows()`` is the ``sshare``-like table::

        with Share() as share:
            share.add_account("A", shares=40)
            share.add_user("alice", "A")
            share.set_usage("alice", "A", 1000.0, now=0)
            share.compute("fair-tree", now=0)
            share.factor("alice", "A")          # 1.0

    Give one to a :class:`Scheduler` (``Scheduler(topo, share=share)``) to
    rank jobs by it; the scheduler charges its running jobs' usage to it.
    The scheduler keeps the tree alive (closing or dropping this object
    while a scheduler uses it is safe) and shares this object's lock.

    ``Scheduler.share`` returns a *view* of the tree a scheduler uses: a
    Share that does not own its handle and keeps its scheduler alive; it
    raises ClosedError once that scheduler is closed.

    Times (``now``) are the caller's clock in seconds, as for the
    scheduler (finite, within +-2^60), and required: the object never
    reads a clock and never takes 0 for a time left out.
    """

    _kind = "share"

    def __init__(self, accounts: Optional[Text] = None,
                 usage: Optional[Text] = None, *,
                 half_life: Optional[float] = None) -> None:
        """Create an empty tree (just "root").

        Args:
            accounts: JSON text to load with load_accounts() (optional).
            usage: CSV text to load with load_usage() (optional).
            half_life: the decay half-life in seconds (0: no decay); None
                keeps the library's default (one week).

        Raises:
            ParseError: ``accounts`` or ``usage`` is malformed.
        """
        super().__init__()
        self._scheduler = None
        out = _lib.ShareP()
        lib.gs_share_create(byref(out))
        self._adopt(out, lib.gs_share_destroy)
        if half_life is not None:
            self.set_half_life(half_life)
        if accounts is not None:
            self.load_accounts(accounts)
        if usage is not None:
            self.load_usage(usage)

    @classmethod
    def _view(cls, scheduler, ptr) -> "Share":
        """A view of a scheduler's tree: not owned, using the scheduler's
        lock, unusable once the scheduler is closed."""
        obj = cls.__new__(cls)
        HandleOwner.__init__(obj)
        obj._lock = scheduler._lock
        obj._ptr = ptr
        obj._scheduler = scheduler
        return obj

    @classmethod
    def _borrowed(cls, address: int) -> "Share":
        """The tree a fair-share algorithm is asked to compute (a
        ``gs_share *`` by address): owns nothing, usable until _release()
        (the end of the call)."""
        obj = cls.__new__(cls)
        HandleOwner.__init__(obj)
        obj._scheduler = None
        obj._ptr = ctypes.cast(address, _lib.ShareP)
        return obj

    def _release(self) -> None:
        with self._lock:
            self._ptr = None

    def _anchor(self) -> int:
        """The reference-counted C handle whose life keeps this tree alive:
        the tree's own, or for a view the one its scheduler holds (a
        scheduler given this Share takes a reference on it)."""
        if self._scheduler is not None:
            return self._scheduler._share_anchor
        if self._addr is None:
            raise InvalidArgument("this share is the one a fair-share "
                                  "algorithm computes: it cannot be given "
                                  "to a scheduler")
        return self._addr

    def _check(self):
        owner = self._scheduler
        if owner is not None and owner.closed:
            raise ClosedError("the scheduler this share view belongs to is "
                              "closed")
        return super()._check()

    @property
    def closed(self) -> bool:
        """True once close() was called (for a view: or its scheduler
        was closed)."""
        owner = self._scheduler
        return self._ptr is None or (owner is not None and owner.closed)

    @property
    def is_view(self) -> bool:
        """True for ``Scheduler.share`` views (which own nothing)."""
        return self._scheduler is not None

    @property
    def scheduler(self):
        """For a view, the Scheduler it belongs to; None otherwise."""
        return self._scheduler

    def close(self) -> None:
        """Release the tree (a view: just stop using it). Calling it again
        does nothing; any other use afterwards raises ClosedError. A
        scheduler given this tree keeps the C tree alive until it is
        closed itself."""
        super().close()

    def __reduce__(self):
        raise TypeError("a Share cannot be pickled (its tree lives in the C "
                        "library)")

    # ---- loading and building ------------------------------------------

    def load_accounts(self, text: Text, name: Optional[str] = None) -> None:
        """Add accounts and users from JSON (docs/formats.md)::

            {"accounts": [{"name": "A", "parent": "root", "shares": 40}],
             "users": [{"name": "u1", "account": "A", "shares": 1}]}

        Other keys (scheduler settings of the same file) are ignored.
        ``name`` is used in messages (default ``"<buffer>"``).

        Raises:
            ParseError: malformed, with ``name:line:column``; nothing is
                added.
        """
        data = text_bytes(text, "accounts")
        nm = encode(name, "name")
        with self._use() as p:
            lib.gs_share_load_accounts(p, data, len(data), nm)

    def load_usage(self, text: Text, name: Optional[str] = None) -> None:
        """Set usage from CSV lines ``user,account,usage`` (an optional
        header line, ``#`` comments; an empty user charges the account
        itself). Each line replaces that association's usage (holding at
        time 0); unknown users and accounts are added with 1 share.

        Raises:
            ParseError: a bad line, with ``name:line:column``; nothing is
                loaded.
        """
        data = text_bytes(text, "usage")
        nm = encode(name, "name")
        with self._use() as p:
            lib.gs_share_load_usage(p, data, len(data), nm)

    def save_usage(self) -> str:
        """The usage of every association that has any, as the CSV
        load_usage() reads back: a ``# as of T`` line (each usage decayed
        to T, the latest time usage was charged), a header, then
        ``user,account,usage`` lines (an empty user: the account's own)."""
        fn = lib.require("gs_share_save_usage")
        with self._use() as p:
            text = ctypes.c_void_p()
            size = ctypes.c_size_t(0)
            fn(p, byref(text), byref(size))
            try:
                return ctypes.string_at(text, size.value).decode("utf-8")
            finally:
                lib.gs_free(text)

    def add_account(self, name: str, parent: Optional[str] = None,
                    shares: float = 1.0) -> None:
        """Add an account below ``parent`` (None or "root": the top) with
        raw ``shares`` (>= 0).

        Raises:
            AlreadyExistsError: the account exists.
            NotFoundError: no such parent.
            InvalidArgument: a bad name.
            RangeError: shares negative, NaN, infinite or above the
                library's limit (1e15).
        """
        n = encode(name, "name", allow_none=False)
        par = encode(parent, "parent")
        sh = check_number(shares, "shares")
        with self._use() as p:
            lib.gs_share_add_account(p, n, par, sh)

    def add_user(self, user: str, account: str = "root",
                 shares: float = 1.0) -> None:
        """Let ``user`` charge ``account`` (an existing account, "root"
        allowed) with raw ``shares`` (>= 0). A user may be in several
        accounts.

        Raises:
            AlreadyExistsError: the user is already in that account.
            NotFoundError: no such account.
            InvalidArgument: a bad name.
            RangeError: shares negative, NaN, infinite or above the
                library's limit (1e15).
        """
        u = encode(user, "user", allow_none=False)
        a = encode(account, "account", allow_none=False)
        sh = check_number(shares, "shares")
        with self._use() as p:
            lib.gs_share_add_user(p, u, a, sh)

    # ---- usage ----------------------------------------------------------

    def set_usage(self, user: Optional[str], account: str, usage: float,
                  now: float) -> None:
        """Set (seed) the usage of ``user`` in ``account`` (``user=None``:
        the account's own usage) as of time ``now`` (required: seconds of
        your clock).

        Raises:
            NotFoundError: no such association.
            RangeError: usage negative, NaN or above 1e30
                (``GS_USAGE_MAX``), or ``now`` not finite within +-2^60.
        """
        u = encode(user, "user")
        a = encode(account, "account", allow_none=False)
        v, t = _usage(usage, "usage"), _time(now)
        with self._use() as p:
            lib.gs_share_set_usage(p, u, a, v, t)

    def add_usage(self, user: Optional[str], account: str, amount: float,
                  now: float) -> None:
        """Charge ``amount`` (>= 0) to ``user`` in ``account`` (None: the
        account itself) at time ``now`` (required), decaying what it had
        up to then.

        Raises:
            NotFoundError: no such association.
            RangeError: an amount negative, NaN or above 1e30, or ``now``
                not finite within +-2^60.
        """
        u = encode(user, "user")
        a = encode(account, "account", allow_none=False)
        v, t = _usage(amount, "amount"), _time(now)
        with self._use() as p:
            lib.gs_share_add_usage(p, u, a, v, t)

    def usage(self, user: Optional[str], account: str,
              now: float) -> float:
        """The usage of ``user`` in ``account`` decayed to time ``now``
        (required); ``user=None``: the account's, its descendants'
        included.

        Raises:
            NotFoundError: no such association.
        """
        u = encode(user, "user")
        a = encode(account, "account", allow_none=False)
        t = _time(now)
        with self._use() as p:
            value = lib.gs_share_usage(p, u, a, t)
        if value < 0:
            raise NotFoundError(self._no_assoc(user, account))
        return value

    def set_half_life(self, half_life: float) -> None:
        """Set the decay half-life in seconds (0: no decay; the default is
        one week). Usage decays exactly: ``u * 2**(-dt / half_life)``.

        Raises:
            RangeError: negative, not finite, or above 2^60.
        """
        h = check_number(half_life, "half_life", 0.0, float(_lib.TIME_MAX))
        with self._use() as p:
            lib.gs_share_set_half_life(p, h)

    # ---- factors ----------------------------------------------------------

    def compute(self, algo: Union[str, FairshareAlgo] = "fair-tree",
                now: Optional[float] = None) -> None:
        """Compute every association's fair-share factor at time ``now``
        (usage decayed to it; required, as every time: TypeError when left
        out) with ``algo``: "fair-tree" (Slurm's Fair Tree, the default),
        "classic" (``F = 2**(-UE/S)``) or an algorithm registered with
        gpusched.register_fairshare() (which starts from the classic
        factors; an exception it raises is raised here).

        A scheduler recomputes its tree by itself; computing a scheduler's
        tree (through ``Scheduler.share``) with another algorithm changes
        the factors it reads until its next recomputation."""
        from .ordering import fairshare_choice, fairshare_ops
        choice = fairshare_choice(algo, "fair-share algorithm")
        if now is None:
            raise TypeError("compute() needs now= (the time to decay usage "
                            "to, in seconds of your clock): "
                            "share.compute(algo, now)")
        t = _time(now)
        if isinstance(choice, FairshareAlgo):
            with self._use() as p:
                lib.gs_share_compute(p, int(choice), t)
            return
        ops = fairshare_ops(choice)
        if ops is None:  # unregistered meanwhile
            raise NotFoundError(f"no fair-share algorithm named {choice!r}")
        with self._use() as p:
            lib.gs_share_compute_with(p, ops, t)

    def set_factor(self, row: int, factor: float) -> None:
        """Set the fair-share factor of row ``row`` (an index into rows())
        to ``factor`` in [0, 1]: what a fair-share algorithm registered
        with gpusched.register_fairshare() does from its compute function.
        Any computation afterwards replaces it.

        Raises:
            InvalidArgument: no such row.
            RangeError: a factor outside [0, 1], NaN or infinite.
            TypeError: a row that is not an integer, a factor that is not
                a number.
        """
        fn = lib.require("gs_share_set_factor")
        f = check_number(factor, "factor", 0.0, 1.0)
        with self._use() as p:
            n = lib.gs_share_row_count(p)
            i = check_int(row, "row", _lib.INT64_MIN, _lib.INT64_MAX)
            if not 0 <= i < n:
                raise InvalidArgument(f"row {i} does not exist (the tree has "
                                      f"{n} rows: 0-{n - 1})")
            fn(p, i, f)

    def factor(self, user: str, account: Optional[str] = None) -> float:
        """The fair-share factor in [0, 1] of ``user`` in ``account`` from
        the last compute(). ``account`` may be omitted when the user is in
        one account only.

        Raises:
            NotFoundError: no such user (in that account).
            InvalidArgument: ``account`` omitted for a user in several.
        """
        u = encode(user, "user", allow_none=False)
        with self._use() as p:
            if account is None:
                account = self._only_account(p, user)
            a = encode(account, "account", allow_none=False)
            value = lib.gs_share_factor(p, u, a)
        if value < 0:
            raise NotFoundError(self._no_assoc(user, account))
        return value

    def _only_account(self, p, user: str) -> str:
        accounts = [r.account for r in self._rows(p) if r.user == user]
        if not accounts:
            raise NotFoundError(f"no user {user!r} in any account")
        if len(accounts) > 1:
            raise InvalidArgument(
                f"user {user!r} is in {len(accounts)} accounts "
                f"({', '.join(accounts)}): say which with account=")
        return accounts[0]

    @staticmethod
    def _no_assoc(user: Optional[str], account: str) -> str:
        if user is None:
            return f"no account {account!r}"
        return f"no user {user!r} in account {account!r}"

    # ---- the table --------------------------------------------------------

    def _rows(self, p) -> List[ShareRow]:
        out = []
        for i in range(lib.gs_share_row_count(p)):
            r = _lib.out_struct(_lib.ShareRowC)
            lib.gs_share_row_get(p, i, byref(r))
            out.append(ShareRow(
                depth=r.depth, account=decode(r.account) or "",
                user=decode(r.user), raw_shares=r.raw_shares,
                norm_shares=r.norm_shares, raw_usage=r.raw_usage,
                norm_usage=r.norm_usage, effective_usage=r.effective_usage,
                factor=r.factor, level_fs=r.level_fs, rank=r.rank,
                level_shares=r.level_shares))
        return out

    def rows(self) -> List[ShareRow]:
        """Every association in tree order (root, then each account
        followed by its users and sub-accounts, by name), with the values
        of the last compute(): what ``sshare`` shows."""
        with self._use() as p:
            return self._rows(p)

    def report(self) -> List[ShareRow]:
        """The fair-share report: the same list as rows()."""
        return self.rows()

    def format_report(self) -> str:
        """rows() as an aligned text table (like ``sshare``)."""
        lines = [f"{'Account':<20} {'User':<12} {'RawShares':>10} "
                 f"{'NormShares':>10} {'RawUsage':>12} {'EffectvUsage':>12} "
                 f"{'FairShare':>9} {'LevelFS':>9}"]
        for r in self.rows():
            lfs = "inf" if math.isinf(r.level_fs) else f"{r.level_fs:.6g}"
            lines.append(
                f"{' ' * r.depth + r.account:<20} {r.user or '':<12} "
                f"{r.raw_shares:>10g} {r.norm_shares:>10.6f} "
                f"{r.raw_usage:>12.6g} {r.effective_usage:>12.6f} "
                f"{r.factor:>9.6f} {lfs:>9}")
        return "\n".join(lines)

    def __len__(self) -> int:
        """Number of associations (root included)."""
        with self._use() as p:
            return lib.gs_share_row_count(p)

    @property
    def last_error(self) -> str:
        """The library's message about the tree's last error."""
        with self._use() as p:
            return decode(lib.gs_share_errmsg(p)) or ""

    def __repr__(self) -> str:
        if self.closed:
            return "<gpusched.Share closed>"
        try:
            n = len(self)
        except Exception:  # pragma: no cover
            return "<gpusched.Share>"
        what = (" (a scheduler's)" if self.is_view else
                " (being computed)" if self._addr is None else "")
        return (f"<gpusched.Share{what} {n} association"
                f"{'s' * (n != 1)}>")

