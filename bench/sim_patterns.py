#!/usr/bin/env python3
"""What knowing a job's communication pattern is worth in job completion
times (issue 16; docs/placement.md, "Measured").

    bench/sim_patterns.py --gpusched build/tools/gpusched [--jobs N]

Writes three synthetic traces (seeds 5, 7, 8: jobs of 1-8 GPUs, ring,
all-to-all, chain and any patterns, durations 300-3000 s) and replays each
on 16 DGX-1V nodes with `gpusched sim --comm-fraction 0.5` (half of a job's
time is communication at the best set's bandwidth), under first-fit,
best-fit, nvlink-pack with patterns hidden from placement
(--blind-placement), nvlink-pack with patterns, and the same with the
look-ahead on for a fixed demand (--demand). Prints the mean job completion time (end - submit) and the share of
multi-GPU jobs on their best set.
"""

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile

TOPO = '{"nodes": [{"name": "v[01-16]", "template": "dgx1-v100"}]}\n'
TRACES = {
    5: ([1, 2, 2, 3, 4, 4, 5, 6], 120, ["ring", "ring", "all-to-all", "chain"]),
    7: ([1, 2, 2, 3, 4, 4, 5, 6], 100,
        ["ring", "ring", "all-to-all", "chain", "any"]),
    8: ([1, 1, 2, 2, 2, 3, 4, 8], 140,
        ["ring", "ring", "all-to-all", "chain", "any"]),
}
CONFIGS = [
    ("first-fit", ["--placement", "first-fit"]),
    ("best-fit", ["--placement", "best-fit"]),
    ("nvlink-pack, patterns hidden", ["--blind-placement"]),
    ("nvlink-pack with patterns", []),
    ("  + look-ahead, demand 4:ring,2:ring", ["--demand", "4:ring,2:ring"]),
]


def write_trace(path, seed, n):
    sizes, gap, pats = TRACES[seed]
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write("id,submit,duration,gpus,pattern\n")
        t = 0
        for i in range(n):
            t += rng.randint(0, gap)
            g = rng.choice(sizes)
            p = rng.choice(pats) if g > 1 else ""
            f.write(f"j{i},{t},{rng.randint(300, 3000)},{g},{p}\n")


def run(gpusched, topo, trace, extra, out):
    cmd = [gpusched, "sim", "--topo", topo, "--jobs", trace,
           "--comm-fraction", "0.5", "--out", out] + extra
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in (0, 3):
        sys.exit(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stderr}")
    best = ""
    for line in (r.stdout + r.stderr).splitlines():
        if line.startswith("on their best set"):
            best = line.split("(")[-1].rstrip(")")
    jct = []
    with open(out) as f:
        for row in csv.DictReader(f):
            if row["end"] not in ("", "-1"):
                jct.append(int(row["end"]) - int(row["submit"]))
    return sum(jct) / len(jct) if jct else float("nan"), best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gpusched", required=True, help="the gpusched tool")
    ap.add_argument("--jobs", type=int, default=3000,
                    help="jobs per trace (default 3000)")
    a = ap.parse_args()
    if a.jobs < 1 or a.jobs > 1000000:
        ap.error("--jobs must be from 1 to 1000000")
    if not os.access(a.gpusched, os.X_OK):
        ap.error(f"--gpusched {a.gpusched}: not an executable")
    with tempfile.TemporaryDirectory() as d:
        topo = os.path.join(d, "v16.json")
        with open(topo, "w") as f:
            f.write(TOPO)
        print(f"{'placement':40s}" +
              "".join(f"{'seed ' + str(s):>24s}" for s in TRACES))
        rows = {name: [] for name, _ in CONFIGS}
        for seed in TRACES:
            trace = os.path.join(d, f"trace{seed}.csv")
            write_trace(trace, seed, a.jobs)
            for name, extra in CONFIGS:
                rows[name].append(run(a.gpusched, topo, trace, extra,
                                      os.path.join(d, "out.csv")))
        for name, _ in CONFIGS:
            print(f"{name:40s}" + "".join(
                f"{jct:>12.0f} s {best:>9s}" for jct, best in rows[name]))
        print("\nmean job completion time (end - submit) and the share of "
              "multi-GPU jobs on their best set")


if __name__ == "__main__":
    main()
