#!/usr/bin/env python3
"""A custom ordering policy written in Python: deadline first, with a
fair-share floor.

Jobs go by their deadline (earliest first; jobs without one last), except
that a user whose fair-share factor is below FLOOR (one who has used far
more than their share) waits behind every other user's jobs, deadline
first among their own. The policy is a plain Python function registered
with gpusched.register_ordering(); the scheduler calls it for every
pending job at every step, with a read-only view of the job.

    PYTHONPATH=python GPUSCHED_LIBRARY=build/lib/libgpusched.so \\
        python3 examples/custom_ordering.py

prints the jobs in the order they start. ``--bench N`` instead times a
step with N pending jobs under this policy and under the built-in
multifactor ordering, and prints the median cost per pending job.
"""

import argparse
import statistics
import sys
import time

import gpusched

#: Users whose fair-share factor is below this wait behind everyone else.
FLOOR = 0.5
#: The deadline of jobs that have none. Deadlines are seconds of the
#: caller's clock below 2^40, so that every value below is an exact double.
NO_DEADLINE = 2 ** 40
#: Subtracted from the value of a job whose user is below the floor: more
#: than any difference of deadlines.
DEMOTION = 2 ** 42

ACCOUNTS = """{"accounts": [{"name": "A", "shares": 50},
                            {"name": "D", "shares": 50}],
               "users": [{"name": "ann", "account": "A"},
                         {"name": "dan", "account": "D"}]}"""
#: ann has used 90% of the machine, dan 10%: with equal shares, classic
#: fair share gives ann 2^(-0.9/0.5) = 0.287 and dan 2^(-0.1/0.5) = 0.871.
USAGE = "user,account,usage\nann,A,90000\ndan,D,10000\n"


def deadline_policy(deadlines):
    """The policy's function: larger values go first. ``deadlines`` maps
    job ids to deadlines (the host fills it as it submits jobs)."""
    def deadline_first(job):
        value = -float(deadlines.get(job.id, NO_DEADLINE))
        if job.fairshare < FLOOR:
            value -= DEMOTION
        return value
    return deadline_first


def register(deadlines, name="deadline-floor"):
    gpusched.register_ordering(
        name, deadline_policy(deadlines), uses_factors=True,
        description="earliest deadline first; users below a fair-share "
                    "floor last")


def demo():
    deadlines = {}
    register(deadlines)
    topo = gpusched.Topology.load("dgx-h100")          # one node, 8 GPUs
    share = gpusched.Share(ACCOUNTS, USAGE, half_life=0)
    with gpusched.Scheduler(topo, ordering="deadline-floor",
                            fairshare="classic", share=share) as sched:
        sched.set_priority_weights(calc_period=0)
        jobs = {}
        for name, user, account, deadline in (
                ("train-a", "ann", "A", 600),
                ("eval-d", "dan", "D", 900),
                ("urgent-a", "ann", "A", 100),
                ("sweep-d", "dan", "D", None),
                ("report-d", "dan", "D", 300)):
            job = sched.submit(8, name=name, user=user, account=account,
                               time_limit=10, submit_time=0)
            jobs[job] = name
            if deadline is not None:
                deadlines[job] = deadline
        now = 0
        running = None
        print(f"ordering {sched.ordering!r}: earliest deadline first, "
              f"users below fair share {FLOOR} last")
        while True:
            if running is not None:
                sched.complete(running, now)
                running = None
            started = [ev.job for ev in sched.step(now)
                       if ev.kind == gpusched.EventKind.STARTED]
            if not started:
                break
            running = started[0]
            if now == 0:
                for user, account in (("ann", "A"), ("dan", "D")):
                    print(f"  {user}: fair-share factor "
                          f"{sched.share.factor(user, account):.3f}")
            job = sched.job(running)
            deadline = deadlines.get(running)
            print(f"t={now:<3} start {job.name:<9} ({job.user}, deadline "
                  f"{deadline if deadline is not None else 'none'})")
            now += 10


def bench(n, repeat):
    """Median time of a step with ``n`` pending jobs, per pending job,
    under the Python policy and under the built-in multifactor ordering."""
    deadlines = {}
    register(deadlines, "deadline-floor-bench")
    topo = gpusched.Topology.load("dgx-h100")
    results = {}
    for ordering in ("deadline-floor-bench", "multifactor"):
        share = gpusched.Share(ACCOUNTS, USAGE, half_life=0)
        with gpusched.Scheduler(topo, ordering=ordering, fairshare="classic",
                                share=share) as sched:
            sched.set_priority_weights(calc_period=0)
            sched.submit(8, user="ann", account="A", submit_time=0)
            sched.step(0)                   # the node is full from now on
            for i in range(n):
                user, account = ("ann", "A") if i % 3 else ("dan", "D")
                job = sched.submit(8, user=user, account=account,
                                   submit_time=i % 1000)
                deadlines[job] = (i * 7919) % 100000
            times = []
            for k in range(repeat):
                t0 = time.perf_counter()
                sched.step(1000 + k)
                times.append(time.perf_counter() - t0)
            results[ordering] = statistics.median(times) / n * 1e6
    py, builtin = (results["deadline-floor-bench"], results["multifactor"])
    print(f"{n} pending jobs, median of {repeat} steps:")
    print(f"  python ordering:      {py:.3f} us per pending job per step")
    print(f"  built-in multifactor: {builtin:.3f} us per pending job per step")
    print(f"  the Python callback:  {py - builtin:.3f} us per pending job "
          f"per step")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bench", type=int, metavar="N",
                   help="time a step with N pending jobs instead")
    p.add_argument("--repeat", type=int, default=7,
                   help="steps timed for --bench (default 7)")
    args = p.parse_args(argv)
    if args.bench is not None:
        if args.bench < 1 or args.repeat < 1:
            p.error("--bench and --repeat must be at least 1")
        bench(args.bench, args.repeat)
    else:
        demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
