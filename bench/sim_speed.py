#!/usr/bin/env python3
"""How fast gpusched sim replays, and how much memory it takes, against
issue 18's targets (docs/sim.md, "Speed").

    bench/sim_speed.py --gpusched build-rel/tools/gpusched
                       [--jobs N] [--repeat R] [--case NAME]

Cases (each run R times; the median wall-clock seconds, jobs per second
and the peak resident memory are printed):

  relaxed     N jobs of tests/replay/gen_trace.py on tests/replay/cluster.json
              (872 GPUs): queues of hundreds to thousands at peaks
  overloaded  the same N jobs on a cluster of 288 GPUs (16 DGX H100, 16
              DGX A100, 2 DGX-2): the load is three times the capacity and
              tens of thousands of jobs wait on average, the case where
              every event steps over every pending job
  backfill    relaxed, with conservative backfill
  easy        overloaded, with EASY backfill
  large       the same N jobs arriving 11 times as fast (submission times
              divided by 11) on 1,000 DGX A100 nodes (8,000 GPUs): the
              issue's case; at 1,000,000 jobs the load is just over the
              capacity and about 28,000 jobs wait on average
  philly      with --philly FILE (the Pollux artifact's
              simulator/traces/philly.csv, 82,247 jobs; not in this
              repository): converted by gpusched-trace, each job's time
              limit its duration, on 50 DGX A100 (400 GPUs, the trace's
              mean demand is 374), with conservative backfill: about 3,600
              jobs wait on average (--jobs is ignored)

The issue's targets: the overloaded case at 1,000,000 jobs on 1,000 nodes
in 60 s or less; conservative backfill on Philly (82,247 jobs) in 20 s or
less; memory bounded by the jobs in the system. Use --jobs to scale, and
--full-steps to time the replays without quiet steps (every step ranks
and plans every pending job: the same decisions, docs/sim.md).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GEN = os.path.join(ROOT, "tests", "replay", "gen_trace.py")
CLUSTER = os.path.join(ROOT, "tests", "replay", "cluster.json")
SMALL = ('{"gpusched": 1, "nodes": ['
         '{"name": "h100-[01-16]", "template": "dgx-h100"},'
         '{"name": "a100-[01-16]", "template": "dgx-a100"},'
         '{"name": "dgx2-[1-2]", "template": "dgx2"}]}\n')
COMMON = ["--split", "--any-model", "--auto-accounts", "--quiet"]
LARGE = ('{"gpusched": 1, "nodes": '
         '[{"name": "n[0001-1000]", "template": "dgx-a100"}]}\n')
PHILLY = ('{"gpusched": 1, "nodes": '
          '[{"name": "n[001-050]", "template": "dgx-a100"}]}\n')
TRACE_TOOL = os.path.join(ROOT, "tools", "gpusched-trace")


def philly_trace(src, dst):
    """The Pollux Philly trace as a sim trace, each job's time limit its
    duration (a scheduler told the run times exactly)."""
    conv = dst + ".conv"
    p = subprocess.run([sys.executable, TRACE_TOOL, "convert", "philly", src,
                        "--out", conv], stderr=subprocess.PIPE, text=True,
                       check=False)
    if p.returncode != 0:
        sys.exit(f"sim_speed: --philly {src}: {p.stderr.strip()}")
    with open(conv, encoding="ascii") as f, \
            open(dst, "w", encoding="ascii") as o:
        head = f.readline()
        o.write(head)
        cols = head.strip().split(",")
        dur, lim = cols.index("duration"), cols.index("time_limit")
        n = 0
        for line in f:
            c = line.rstrip("\n").split(",")
            c[lim] = c[dur]
            o.write(",".join(c) + "\n")
            n += 1
    return n


def compress(src, dst, factor):
    """The trace src with its submission times divided by factor."""
    with open(src, encoding="ascii") as f, \
            open(dst, "w", encoding="ascii") as o:
        o.write(f.readline())
        for line in f:
            cols = line.split(",", 2)
            o.write(f"{cols[0]},{int(cols[1]) // factor},{cols[2]}")


def run(cmd):
    """Wall-clock seconds and the peak RSS (KiB) of one child, its own
    (os.wait4: not the largest of all children so far)."""
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        dt = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode not in (0, 3):
            err.seek(0)
            sys.exit(f"sim_speed: {' '.join(cmd)}: exit {p.returncode}: "
                     f"{err.read().decode(errors='replace')}")
    return dt, usage.ru_maxrss


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gpusched", required=True)
    ap.add_argument("--jobs", type=int, default=100000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--case", action="append",
                    choices=("relaxed", "overloaded", "backfill", "easy",
                             "large", "philly"))
    ap.add_argument("--philly", metavar="FILE",
                    help="the Pollux artifact's philly.csv (case philly)")
    ap.add_argument("--full-steps", action="store_true",
                    help="pass --full-steps to every replay")
    a = ap.parse_args()
    if a.jobs < 1 or a.repeat < 1:
        ap.error("--jobs and --repeat: want positive numbers")
    cases = a.case or ["relaxed", "backfill", "overloaded", "easy"] + \
        (["philly"] if a.philly else [])
    if "philly" in cases and not a.philly:
        ap.error("case philly needs --philly FILE")
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "trace.csv")
        small = os.path.join(tmp, "small.json")
        with open(small, "w", encoding="ascii") as f:
            f.write(SMALL)
        subprocess.run([sys.executable, GEN, "--jobs", str(a.jobs),
                        "--seed", "1", "--out", trace], check=True)
        if "large" in cases:
            with open(os.path.join(tmp, "large.json"), "w",
                      encoding="ascii") as f:
                f.write(LARGE)
            compress(trace, os.path.join(tmp, "large.csv"), 11)
        n_philly = 0
        if "philly" in cases:
            with open(os.path.join(tmp, "philly.json"), "w",
                      encoding="ascii") as f:
                f.write(PHILLY)
            n_philly = philly_trace(a.philly,
                                    os.path.join(tmp, "philly.csv"))
        print(f"{'case':12} {'jobs':>9} {'median s':>9} {'jobs/s':>9} "
              f"{'peak RSS MiB':>13}")
        for case in cases:
            topo = {"overloaded": small, "easy": small,
                    "large": os.path.join(tmp, "large.json"),
                    "philly": os.path.join(tmp, "philly.json")}.get(case,
                                                                    CLUSTER)
            jobs = os.path.join(tmp, case + ".csv") \
                if case in ("large", "philly") else trace
            extra = {"backfill": ["--backfill", "conservative"],
                     "philly": ["--backfill", "conservative"],
                     "easy": ["--backfill", "easy"]}.get(case, [])
            cmd = [a.gpusched, "sim", "--topo", topo, "--jobs", jobs,
                   "--out", os.devnull] + COMMON + extra + \
                (["--full-steps"] if a.full_steps else [])
            times, rss = [], 0
            for _ in range(a.repeat):
                dt, peak = run(cmd)
                times.append(dt)
                rss = max(rss, peak)
            med = statistics.median(times)
            n = n_philly if case == "philly" else a.jobs
            print(f"{case:12} {n:9d} {med:9.2f} {n / med:9.0f} "
                  f"{rss / 1024:13.1f}", flush=True)


if __name__ == "__main__":
    main()
