#!/usr/bin/env python3
"""gpusched-trace: each format's converter on small fixtures written in
that format (tests/data/traces), the output against rows worked out by
hand from the fixture, then replayed by gpusched sim; and the errors.

    test_trace.py --gpusched PATH
"""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOOL = os.path.join(ROOT, "tools", "gpusched-trace")
DATA = os.path.join(HERE, "data", "traces")
HEADER = ("id,submit,duration,time_limit,gpus,gpus_per_node,user,account,"
          "gpu_milli,cpus_per_gpu,mem_per_gpu,gpu_models\n")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}")


def tool(*args):
    return subprocess.run([sys.executable, TOOL] + list(args),
                          capture_output=True, text=True, check=False)


def data(name):
    return os.path.join(DATA, name)


def expect_trace(fmt, inputs, want, left_out, extra=()):
    """Convert and compare the whole output with want (rows by hand)."""
    p = tool("convert", fmt, *[data(i) for i in inputs], *extra)
    check(p.returncode == 0, f"{fmt}: exit {p.returncode}: {p.stderr}")
    check(p.stdout == HEADER + want,
          f"{fmt}: output\n{p.stdout}\nwant\n{HEADER + want}")
    for line in left_out:
        check(line in p.stderr, f"{fmt}: '{line}' in {p.stderr!r}")
    return p.stdout


def replay(gpusched, topo, trace_text, tmp, name):
    """gpusched sim takes the converted trace: every job replayed."""
    path = os.path.join(tmp, name + ".csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write(trace_text)
    p = subprocess.run([gpusched, "sim", "--topo", topo, "--jobs", path,
                        "--any-model", "--out", "/dev/null"],
                       capture_output=True, text=True, check=False)
    n = trace_text.count("\n") - 1
    check(p.returncode == 0 and f"jobs {n}, started {n}" in p.stdout,
          f"{name}: sim exit {p.returncode}: {p.stdout} {p.stderr}")


def main():
    gpusched = sys.argv[sys.argv.index("--gpusched") + 1]
    with tempfile.TemporaryDirectory() as tmp:
        # Alibaba 2023: pod-d is CPU-only, pod-e never scheduled; times
        # from the first creation (100): pod-f runs 160.5 - 100.2 = 60.3,
        # rounded up to 61; CPUs per GPU rounded up (2.5 / 2 -> 2), memory
        # per GPU in MiB (1000 / 2 = 500M); gpu_spec's | becomes a comma;
        # the QoS is the account
        topo = os.path.join(tmp, "ali.json")
        text = expect_trace(
            "alibaba-2023", ["alibaba-2023-pods.csv"],
            "pod-a,0,1000,,1,,,LS,,12,16384M,\n"
            "pod-f,0,61,,2,,,LS,,2,500M,P100\n"
            "pod-c,30,4999,,8,,,Burstable,,11,40960M,\"V100M32,V100M16\"\n"
            "pod-b,50,200,,1,,,BE,460,6,12288M,\n",
            ["left out 1 job: CPU-only",
             "left out 1 job: never scheduled"],
            ["--nodes", data("alibaba-2023-nodes.csv"), "--topo-out", topo])
        p = subprocess.run([gpusched, "topo", "show", "--topo", topo],
                           capture_output=True, text=True, check=False)
        check(p.returncode == 0 and "2 nodes, 10 GPUs" in p.stdout and
              "node-0: 1 NUMA domain, 64 CPUs, 256 GiB, 2x P100" in p.stdout
              and "node-1: 1 NUMA domain, 96 CPUs, 768 GiB, 8x V100M32"
              in p.stdout, f"alibaba-2023 cluster: {p.stdout} {p.stderr}")
        replay(gpusched, topo, text, tmp, "alibaba-2023")

        # errors: the file, line and column; nothing written
        bad = os.path.join(tmp, "bad.csv")
        cases = [
            ("name,cpu_milli,memory_mib,num_gpu,gpu_milli,creation_time,"
             "deletion_time,scheduled_time\np,1,1,nan,1000,0,1,0\n",
             "bad.csv:2:7: num_gpu nan: want"),
            ("name,cpu_milli,memory_mib,num_gpu,gpu_milli,creation_time,"
             "deletion_time,scheduled_time\np,1,1,1.5,1000,0,1,0\n",
             "bad.csv:2:7: num_gpu 1.5: want a whole number"),
            ("name,cpu_milli,memory_mib,num_gpu,gpu_milli,creation_time,"
             "deletion_time,scheduled_time\np,1,1,1,1000,0,1,5\n",
             "bad.csv:2:16: deletion_time before scheduled_time"),
            ("name,cpu_milli,num_gpu\n", "bad.csv:1: no \"memory_mib\" column"),
            ("name,cpu_milli,memory_mib,num_gpu,gpu_milli,creation_time,"
             "deletion_time,scheduled_time\np,1,1,0,0,0,1,0\n",
             "no job to write"),
            ("name,cpu_milli,memory_mib,num_gpu,gpu_milli,creation_time,"
             "deletion_time,scheduled_time\np,1,1,1,1000,x,1,0\n",
             "bad.csv:2:14: creation_time \"x\": not a number"),
        ]
        for text, msg in cases:
            with open(bad, "w", encoding="utf-8") as f:
                f.write(text)
            out = os.path.join(tmp, "out.csv")
            p = tool("convert", "alibaba-2023", bad, "--out", out)
            check(p.returncode == 1 and msg in p.stderr and
                  not os.path.exists(out), f"{msg!r}: {p.stderr!r}")
        p = tool("convert", "alibaba-2023", os.path.join(tmp, "none.csv"))
        check(p.returncode == 1 and "none.csv: No such file" in p.stderr,
              f"missing file: {p.stderr!r}")
        p = tool("convert", "alibaba-2023", data("alibaba-2023-pods.csv"),
                 "--max-input", "100")
        check(p.returncode == 1 and "more than --max-input 100" in p.stderr,
              f"--max-input: {p.stderr!r}")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("sn,cpu_milli,memory_mib,gpu,model\nn1,1,1,1,T4\n"
                    "n1,1,1,1,T4\n")
        p = tool("convert", "alibaba-2023", data("alibaba-2023-pods.csv"),
                 "--nodes", bad, "--topo-out", os.path.join(tmp, "t.json"))
        check(p.returncode == 1 and
              "bad.csv:3:1: node \"n1\" again (first on line 2)" in p.stderr,
              f"duplicate node: {p.stderr!r}")
        for args in (["convert", "nosuch", "x"], ["convert"],
                     ["convert", "alibaba-2023", "x", "--nodes", "y"]):
            p = tool(*args)
            check(p.returncode == 2, f"usage {args}: {p.returncode}")
        p = tool("formats")
        check(p.returncode == 0 and "alibaba-2023" in p.stdout, "formats")
    print("FAILED" if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
