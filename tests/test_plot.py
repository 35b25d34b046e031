#!/usr/bin/env python3
"""gpusched-plot: its data against values worked by hand, and the figures
of a gpusched compare run.

    test_plot.py --gpusched PATH

Needs matplotlib: when this interpreter lacks it, Debian's /usr/bin/python3
is tried; without either the test is skipped (exit 77), unless
GPUSCHED_REQUIRE_PLOT=1 (scripts/check) makes that a failure.
"""

import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PLOT = os.path.join(ROOT, "tools", "gpusched-plot")
DATA = os.path.join(HERE, "data", "sim")


def have_matplotlib(python):
    return subprocess.run([python, "-c", "import matplotlib"],
                          capture_output=True, check=False).returncode == 0


def load_plot():
    loader = importlib.machinery.SourceFileLoader("gpusched_plot", PLOT)
    spec = importlib.util.spec_from_loader("gpusched_plot", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}")
        sys.exit(1)


def main():
    if "--gpusched" not in sys.argv:
        print("usage: test_plot.py --gpusched PATH", file=sys.stderr)
        return 2
    gpusched = sys.argv[sys.argv.index("--gpusched") + 1]
    if not have_matplotlib(sys.executable):
        if (sys.executable != "/usr/bin/python3" and
                os.path.exists("/usr/bin/python3") and
                have_matplotlib("/usr/bin/python3")):
            os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
        if os.environ.get("GPUSCHED_REQUIRE_PLOT") == "1":
            print("FAIL: no python3 with matplotlib (python3-matplotlib)")
            return 1
        print("skipped: no python3 with matplotlib")
        return 77
    plot = load_plot()
    with tempfile.TemporaryDirectory() as tmp:
        runs = os.path.join(tmp, "runs")
        cmd = [gpusched, "compare", "--topo",
               os.path.join(DATA, "metrics-cluster.json"), "--jobs",
               os.path.join(DATA, "metrics.csv"), "--placement",
               "first-fit,best-fit", "--ordering", "fifo", "--backfill",
               "none,easy", "--runs", runs]
        p = subprocess.run(cmd, capture_output=True, text=True, check=False)
        check(p.returncode == 0, f"compare: {p.stderr}")
        # the data, by hand (tests/data/sim/metrics.csv): FIFO JCTs 100,
        # 100, 200, 60 and waits 0, 0, 100, 50; EASY lets W run 50-60
        jobs = plot.read_jobs(os.path.join(runs, "first-fit_fifo_none_off.csv"))
        check(plot.jct_values(jobs) == [60, 100, 100, 200], "FIFO JCTs")
        check(plot.wait_values(jobs) == [0, 0, 50, 100], "FIFO waits")
        easy = plot.read_jobs(os.path.join(runs, "first-fit_fifo_easy_off.csv"))
        check(plot.jct_values(easy) == [10, 100, 100, 200], "EASY JCTs")
        check(plot.cdf_points([60, 100, 100, 200]) ==
              ([60, 100, 100, 200], [0.25, 0.5, 0.75, 1.0]), "CDF points")
        # a job that never started or was preempted has no JCT
        check(plot.jct_values([(0, None, None, "never"), (0, 5, 9, "preempted"),
                               (0, 5, 20, "timeout"), (3, 4, 10, "")]) ==
              [7, 20], "which jobs count")
        # labels say what differs
        loaded = [plot.load_run(os.path.join(runs, n + ".json")) for n in
                  ("first-fit_fifo_none_off", "best-fit_fifo_easy_off")]
        check(plot.labels(loaded) == ["first-fit / none", "best-fit / easy"],
              f"labels {plot.labels(loaded)}")
        check(plot.labels(loaded[:1]) == ["first-fit_fifo_none_off"],
              "one run's label")
        # the figures: four SVGs naming the four runs, then PNGs
        for fmt, magic in (("svg", b"<?xml"), ("png", b"\x89PNG\r\n\x1a\n")):
            p = subprocess.run([sys.executable, PLOT, runs, "--format", fmt],
                               capture_output=True, text=True, check=False)
            check(p.returncode == 0, f"plot {fmt}: {p.stderr}")
            for stem in ("jct_cdf", "wait_cdf", "utilization", "queue"):
                path = os.path.join(runs, f"{stem}.{fmt}")
                check(path in p.stdout.split(), f"{path} listed")
                with open(path, "rb") as f:
                    data = f.read()
                check(data.startswith(magic), f"{path} is {fmt}")
                if fmt == "svg":
                    for label in ("first-fit / none", "first-fit / easy",
                                  "best-fit / none", "best-fit / easy"):
                        check(label.encode() in data, f"{label} in {path}")
        # errors: exit 1 with the file named
        bad_json = os.path.join(tmp, "bad.json")
        with open(bad_json, "w", encoding="utf-8") as f:
            f.write("{\"summary\": ")
        with open(os.path.join(tmp, "bad.csv"), "w", encoding="utf-8") as f:
            f.write("id,submit,start,end,nodes,gpus,reason_if_never_started\n"
                    "a,0,x,1,n,1,\n")
        good_json = os.path.join(tmp, "good.json")
        with open(good_json, "w", encoding="utf-8") as f:
            f.write("{\"summary\": {}}")
        with open(os.path.join(tmp, "good.csv"), "w", encoding="utf-8") as f:
            f.write("id,submit,start,end,nodes,gpus,reason_if_never_started\n"
                    "a,0,x,1,n,1,\n")
        empty = os.path.join(tmp, "empty")
        os.mkdir(empty)
        for args, msg in (([os.path.join(tmp, "nope")], "no such file"),
                          ([empty], "no NAME.json beside a NAME.csv"),
                          ([bad_json], "bad.json: not JSON"),
                          ([good_json], "good.csv:2: not a job line"),
                          ([runs, "--out", os.path.join(tmp, "nodir")],
                           "not a directory")):
            p = subprocess.run([sys.executable, PLOT] + args,
                               capture_output=True, text=True, check=False)
            check(p.returncode == 1 and msg in p.stderr,
                  f"{args}: {p.returncode} {p.stderr}")
        p = subprocess.run([sys.executable, PLOT, "--format", "gif", runs],
                           capture_output=True, text=True, check=False)
        check(p.returncode == 2, "a bad --format is a usage error")
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
