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
        # Alibaba 2023: pod-d is CPU-only (gpus 0: its 4,000 milli-CPUs
        # are 4 CPUs, its 8,192 MiB the job's memory; created at 120, so
        # 20; runs 220 - 120 = 100), pod-e never scheduled; times
        # from the first creation (100): pod-f runs 160.5 - 100.2 = 60.3,
        # rounded up to 61; CPUs per GPU rounded up (2.5 / 2 -> 2), memory
        # per GPU in MiB (1000 / 2 = 500M); gpu_spec's | becomes a comma;
        # the QoS is the account
        topo = os.path.join(tmp, "ali.json")
        text = expect_trace(
            "alibaba-2023", ["alibaba-2023-pods.csv"],
            "pod-a,0,1000,,1,,,LS,,12,16384M,\n"
            "pod-f,0,61,,2,,,LS,,2,500M,P100\n"
            "pod-d,20,100,,0,,,BE,,4,8192M,\n"
            "pod-c,30,4999,,8,,,Burstable,,11,40960M,\"V100M32,V100M16\"\n"
            "pod-b,50,200,,1,,,BE,460,6,12288M,\n",
            ["left out 1 job: never scheduled"],
            ["--nodes", data("alibaba-2023-nodes.csv"), "--topo-out", topo])
        p = subprocess.run([gpusched, "topo", "show", "--topo", topo],
                           capture_output=True, text=True, check=False)
        check(p.returncode == 0 and "2 nodes, 10 GPUs" in p.stdout and
              "node-0: 1 NUMA domain, 64 CPUs, 256 GiB, 2x P100" in p.stdout
              and "node-1: 1 NUMA domain, 96 CPUs, 768 GiB, 8x V100M32"
              in p.stdout, f"alibaba-2023 cluster: {p.stdout} {p.stderr}")
        replay(gpusched, topo, text, tmp, "alibaba-2023")

        # Philly as the Pollux artifact has it: times from the first
        # submission (06:13:03; 07:01:55 is 2,932 s later), ties in file
        # order, 100.5 s rounded up, the VC as the account, num_gpus 0 out
        cluster = os.path.join(HERE, "replay", "cluster.json")
        text = expect_trace("philly", ["philly.csv"],
                            "philly-2,0,2951,,4,,,6214e9,,,,\n"
                            "philly-3,0,101,,8,,,6214e9,,,,\n"
                            "philly-1,2932,66,,1,,,11cb48,,,,\n",
                            ["left out 1 job: CPU-only"])
        replay(gpusched, cluster, text, tmp, "philly")
        # raw Philly: the run is the sum of the attempts (600 + 300 s), the
        # GPUs those of the first attempt; 8 on each of 2 machines is
        # gpus_per_node 8; no attempt, or an unfinished one: left out
        text = expect_trace("philly-raw", ["philly-cluster_job_log.json"],
                            "application_1_1,0,900,,2,,u1,6214e9,,,,\n"
                            "application_1_2,30,7200,,16,8,u2,ee9e8c,,,,\n",
                            ["left out 1 job: never ran",
                             "left out 1 job: unfinished"])
        replay(gpusched, cluster, text, tmp, "philly-raw")
        # Alibaba 2020: a task with GPUs is a job; j4 has no job row (its
        # task's start is its submission, 900, the first: 0); j1/worker is
        # submitted with its job at 1000 (100), 2 instances of 1 GPU (one
        # per node), 6 CPUs, 29.296875 GB = 30000 MiB; j2's half GPU is
        # gpu_milli 500, MISC is any model; j1/ps has no GPU: a CPU-only
        # job with 400 / 100 = 4 CPUs and 10 GB = 10240M, submitted with
        # j1 (100), after j1/worker in file order; j3 never ran
        text = expect_trace("alibaba-2020",
                            ["pai_job_table.csv", "pai_task_table.csv"],
                            "j4/worker,0,60,,2,,,,,4,32768M,V100\n"
                            "j1/worker,100,3000,,2,1,userA,,,6,30000M,V100\n"
                            "j1/ps,100,3000,,0,,userA,,,4,10240M,\n"
                            "j2/tensorflow,200,101,,1,,userB,,500,6,30720M,"
                            "\n",
                            ["left out 1 job: task that never started"])
        replay(gpusched, cluster, text, tmp, "alibaba-2020")
        # Helios: 18:41:01 to 04:55:09 the next day is 36,848 s; 16 GPUs
        # on 2 nodes is 8 per node; CPUs per GPU 16 / 4 = 4; 1425514 is
        # CPU-only: 4 CPUs, submitted 59 s after the first, runs 60 s
        text = expect_trace("helios", ["helios-cluster_log.csv"],
                            "1425511,0,36848,,1,,uXBbc,vcJkd,,1,,\n"
                            "1425512,26,249,,4,,uVMrF,vchbv,,4,,\n"
                            "1425513,27,3600,,16,8,uzqls,vcpDC,,4,,\n"
                            "1425514,59,60,,0,,uzqls,vcpDC,,4,,\n",
                            ["left out 1 job: never started"])
        replay(gpusched, cluster, text, tmp, "helios")

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
             "deletion_time,scheduled_time\np,0,0,0,0,0,1,0\n",
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
        fmt_cases = [
            ("philly-raw", "[\n {\"jobid\": 1,,}\n]\n",
             "bad.csv:2:14: not JSON"),
            ("philly-raw", "{}", "bad.csv:1:1: want a JSON array"),
            ("philly-raw", "[{\"jobid\": \"x\", \"submitted_time\": "
             "\"yesterday\", \"attempts\": []}]",
             "job x: time \"yesterday\""),
            ("helios", "job_id,gpu_num,submit_time,start_time,end_time\n"
             "1,1,2020-06-09 18:41:01,2020-06-09,2020-06-09 18:41:09\n",
             "bad.csv:2:25: start_time \"2020-06-09\": want a time"),
            ("helios", "job_id,gpu_num,submit_time,start_time,end_time\n"
             "1,1,0,5,4\n", "bad.csv:2:9: end_time before start_time"),
            ("helios", "job_id,gpu_num,submit_time,start_time,end_time\n"
             "a,1,0,1,4\nb,1,0,1,4\na,1,0,1,4\n", "job id \"a\" twice"),
            ("alibaba-2020", "a,b,c\n", "bad.csv:1: 3 columns"),
            ("alibaba-2020", "j,i,u,s,1,2\n", "no pai_task_table.csv"),
            ("philly", "timestamp,duration,num_gpus\n"
             "2017-10-09 07:01:55,inf,1\n", "bad.csv:2:21: duration inf"),
        ]
        for fmt, text, msg in fmt_cases:
            with open(bad, "w", encoding="utf-8") as f:
                f.write(text)
            p = tool("convert", fmt, bad)
            check(p.returncode == 1 and msg in p.stderr and p.stdout == "",
                  f"{fmt} {msg!r}: {p.returncode} {p.stderr!r}")
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
