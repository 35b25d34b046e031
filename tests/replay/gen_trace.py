#!/usr/bin/env python3
"""Write a synthetic job trace for `gpusched sim` (docs/formats.md).

    gen_trace.py --jobs N --seed S [--out FILE]

The trace is a function of N and S alone: the generator has its own PRNG
(splitmix64) and uses integer arithmetic only, so neither the Python
version nor the platform's floating point can change a byte of it. The
first K jobs of an N-job trace are the K-job trace (same seed), so a short
run replays a prefix of the long one.

The mix is made for tests/replay/cluster.json (872 GPUs) and
tests/replay/accounts.json (50 users in 8 leaf accounts):

- sizes 1, 2, 4, 8, 16 and 32 GPUs; 8-GPU jobs often ask for a whole node
  (gpus_per_node 8), 16- and 32-GPU jobs mostly span nodes 8 by 8, some
  4-GPU jobs ask for 4 per node (a GB200 tray or half a node), a few
  16-GPU jobs for 16 per node (DGX-2 only);
- durations from 1 minute to about 8.5 hours, roughly log-uniform;
- time limits: none for about 12% (empty or 0), shorter than the duration
  (a timeout) for about 8%, else 1 to 3 times the duration rounded up to
  5 minutes;
- users of very different activity; a user with a second account uses it
  for some jobs; about 1% of jobs name no user and no account;
- priorities 0..1000; about 20% preemptible;
- arrivals in a day/night rhythm with bursts (job arrays: 10 to 100 jobs of
  one user within seconds) that push the load over the cluster's capacity
  by day, so the queue grows to hundreds or thousands of pending jobs;
- one job in 2,500 asks for more GPUs than the cluster has, or for 24
  GPUs on one node (no node has them): both are refused.
"""

import argparse
import sys

MASK64 = (1 << 64) - 1


class SplitMix64:
    """splitmix64 (Steele, Lea, Flood 2014), written out."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def below(self, n):
        """An integer in [0, n), without modulo bias."""
        limit = (1 << 64) - ((1 << 64) % n)
        while True:
            x = self.next()
            if x < limit:
                return x % n

    def pick(self, weighted):
        """One value of [(weight, value), ...] by weight."""
        total = sum(w for w, _ in weighted)
        r = self.below(total)
        for w, v in weighted:
            if r < w:
                return v
            r -= w
        raise AssertionError("unreachable")


# Users u00..u49: primary account, second account (or None), activity
# weight. Must agree with accounts.json (check_replay.py checks it).
ACCOUNTS = ["vision", "nlp", "rl", "search", "ads", "infra", "students",
            "courses"]


def users():
    out = []
    for i in range(50):
        primary = ACCOUNTS[(i * 5 + i // 8) % 8]
        second = ACCOUNTS[(i * 3 + 1) % 8] if i % 6 == 0 else None
        if second == primary:
            second = ACCOUNTS[(i * 3 + 2) % 8]
        # a few heavy users, many light ones
        weight = 40 if i % 10 == 3 else (12 if i % 4 == 1 else 3)
        out.append((f"u{i:02d}", primary, second, weight))
    return out


USERS = users()

SIZES = [(35, 1), (15, 2), (15, 4), (20, 8), (10, 16), (5, 32)]


def job_shape(rng):
    """gpus, gpus_per_node."""
    g = rng.pick(SIZES)
    r = rng.below(100)
    if g in (16, 32):
        if g == 16 and r < 2:
            return g, 16          # a DGX-2 alone
        return g, (8 if r < 70 else 0)
    if g == 8:
        return g, (8 if r < 40 else 0)
    if g == 4 and r < 10:
        return g, 4
    return g, 0


def duration(rng):
    # 60 * 2^k * [1, 2): about log-uniform from 1 min to 8.5 h
    k = rng.below(9)
    return (60 << k) * (1024 + rng.below(1024)) // 1024


def time_limit(rng, dur):
    r = rng.below(100)
    if r < 10:
        return ""
    if r < 12:
        return "0"
    if r < 20:  # a timeout: the limit cuts the run short
        return str(max(30, dur * (30 + rng.below(61)) // 100))
    lim = dur * (100 + rng.below(201)) // 100
    return str((lim + 299) // 300 * 300)


class Trace:
    def __init__(self, seed):
        self.rng = SplitMix64(seed)
        self.t = 0
        self.n = 0
        self.burst = []  # pending rows of the current job array

    def user(self):
        if self.rng.below(100) == 0:
            return "", ""
        name, primary, second, _ = self.rng.pick(
            [(u[3], u) for u in USERS])
        acct = second if second and self.rng.below(100) < 15 else primary
        return name, acct

    def gap(self):
        """Seconds to the next submission: a day/night rhythm."""
        hour = self.t // 3600 % 24
        day = self.t // 86400 % 7
        busy = 8 <= hour < 20 and day < 5
        mean = 27 if busy else 100
        return self.rng.below(2 * mean + 1)

    def row(self, user, acct, gpus, gpn, dur, limit):
        rng = self.rng
        self.n += 1
        prio = rng.below(1001)
        pre = 1 if rng.below(5) == 0 else 0
        return (f"j{self.n:06d},{self.t},{dur},{limit},{gpus},"
                f"{gpn if gpn else ''},{user},{acct},{prio},{pre}")

    def next_row(self):
        rng = self.rng
        if self.burst:
            return self.burst_row()
        self.t += self.gap()
        if self.n % 2500 == 1234:  # a job the cluster refuses
            user, acct = self.user()
            if self.n // 2500 % 2:  # no node has 24 GPUs
                return self.row(user, acct, 24, 24, 600, "3600")
            return self.row(user, acct, 1024, 8, 600, "3600")
        if rng.below(100) < 1:
            user, acct = self.user()
            gpus, gpn = job_shape(rng)
            if gpus > 8:
                gpus, gpn = 1 << rng.below(4), 0  # arrays of small jobs
            dur = duration(rng)
            self.burst = [user, acct, gpus, gpn, dur, time_limit(rng, dur),
                          10 + rng.below(91)]
            return self.burst_row()
        user, acct = self.user()
        gpus, gpn = job_shape(rng)
        dur = duration(rng)
        return self.row(user, acct, gpus, gpn, dur, time_limit(rng, dur))

    def burst_row(self):
        user, acct, gpus, gpn, dur, limit, left = self.burst
        rng = self.rng
        self.t += rng.below(3)
        # the array's tasks vary in length around the first one's
        d = max(60, dur * (50 + rng.below(101)) // 100)
        self.burst[6] = left - 1
        if self.burst[6] == 0:
            self.burst = []
        return self.row(user, acct, gpus, gpn, d, limit)


def write(out, jobs, seed):
    out.write("id,submit,duration,time_limit,gpus,gpus_per_node,user,"
              "account,priority,preemptible\n")
    tr = Trace(seed)
    for _ in range(jobs):
        out.write(tr.next_row() + "\n")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", default="-")
    a = ap.parse_args(argv)
    if not 0 <= a.jobs <= 10_000_000:
        ap.error("--jobs: want 0 to 10,000,000")
    if not 0 <= a.seed < 1 << 64:
        ap.error("--seed: want 0 to 2^64-1")
    if a.out == "-":
        write(sys.stdout, a.jobs, a.seed)
    else:
        with open(a.out, "w", encoding="ascii", newline="\n") as f:
            write(f, a.jobs, a.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
