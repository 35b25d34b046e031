"""Every number that enters from Python is checked where it enters: NaN,
infinities, integers beyond their C type (4294967297 for a uint32_t, 2**63
for an int64_t), negatives, bools where counts are wanted and other types
give an exception naming the argument, and change nothing; never a value
wrapped by ctypes. The limits are the library's (GS_TIME_MAX = 2**60 for
times and durations, GS_USAGE_MAX = 1e30 for usage), so that nothing
Python passes can overflow the library's arithmetic."""

import math
import os
import subprocess
import textwrap

import pytest

import gpusched
from gpusched import _lib

NAN, INF = float("nan"), float("inf")
T = 2 ** 60   # GS_TIME_MAX


@pytest.fixture
def sched(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        yield s


@pytest.fixture
def share():
    with gpusched.Share(half_life=0) as s:
        s.add_account("A", shares=1)
        s.add_user("u", "A")
        yield s


def raises(exc, what, fn, *args, **kwargs):
    """fn(...) raises exc with a message naming ``what``."""
    with pytest.raises(exc) as e:
        fn(*args, **kwargs)
    assert what in str(e.value), str(e.value)
    return e.value


# ---- the scheduler's integers ---------------------------------------------

U32_FIELDS = ["gpus_per_node", "min_nodes", "max_nodes", "cpus_per_gpu"]


@pytest.mark.parametrize("field", ["gpus"] + U32_FIELDS)
@pytest.mark.parametrize("value", [2 ** 32 + 1, 2 ** 32, -1, 2 ** 64 + 1,
                                   -2 ** 63])
def test_u32_job_fields_out_of_range(sched, field, value):
    args = {"gpus": 1, field: value}
    gpus = args.pop("gpus")
    raises(gpusched.RangeError, f"{field} = ", sched.submit, gpus, **args)
    assert len(sched) == 0  # nothing was queued
    raises(gpusched.RangeError, f"{field} = ", sched.preview, gpus, **args)


@pytest.mark.parametrize("field", ["gpus"] + U32_FIELDS)
@pytest.mark.parametrize("value", [True, False, 1.0, 2.5, NAN, INF, "2",
                                   None, [1]])
def test_u32_job_fields_wrong_type(sched, field, value):
    args = {"gpus": 1, field: value}
    gpus = args.pop("gpus")
    raises(TypeError, field, sched.submit, gpus, **args)
    assert len(sched) == 0


def test_4294967297_gpus_is_not_1(sched):
    # the reviewer's case: a uint32 wrap would make this a 1-GPU job
    raises(gpusched.RangeError, "gpus = 4294967297", sched.submit,
           4294967297)
    raises(gpusched.RangeError, "gpus = 4294967297", sched.preview,
           4294967297)
    raises(gpusched.RangeError, "max_gpus = 4294967297", sched.set_limit,
           "user", None, 4294967297)
    raises(gpusched.RangeError, "require_gpus[] = 4294967296", sched.submit,
           1, require_gpus=[4294967296])
    raises(gpusched.RangeError, "backfill_depth = 4294967297",
           gpusched.Scheduler, sched.topology, backfill_depth=4294967297)


@pytest.mark.parametrize("method", ["step", "update_usage"])
@pytest.mark.parametrize("now", [2 ** 63, 2 ** 63 - 1, -2 ** 63, T + 1,
                                 -T - 1, 10 ** 4000])
def test_now_beyond_the_library_time(sched, method, now):
    raises(gpusched.RangeError, "now = ", getattr(sched, method), now)


@pytest.mark.parametrize("now", [1.5, NAN, INF, True, "0", None])
def test_now_wrong_type(sched, now):
    raises(TypeError, "now", sched.step, now)


def test_now_for_every_method(sched):
    job = sched.submit(1, submit_time=0)
    for call in (lambda t: sched.complete(job, t),
                 lambda t: sched.fail(job, t),
                 lambda t: sched.cancel(job, t),
                 lambda t: sched.fail_gpu(0, t)):
        for bad in (T + 1, 2 ** 63, -2 ** 64):
            raises(gpusched.RangeError, "now = ", call, bad)
    assert sched.job(job).pending
    assert sched.free_gpus() == 8


@pytest.mark.parametrize("field, value", [
    ("submit_time", T + 1), ("submit_time", -T - 1), ("submit_time", 2 ** 63),
    ("time_limit", -1), ("time_limit", T + 1), ("time_limit", 2 ** 63),
    ("priority", 2 ** 63), ("priority", -2 ** 63 - 1),
    ("nice", 2 ** 63), ("depends_on", -1), ("depends_on", 2 ** 64),
    ("mem_per_gpu", -1), ("mem_per_gpu", 2 ** 64),
    ("min_gpu_memory", 2 ** 64),
])
def test_other_job_numbers(sched, field, value):
    args = {"submit_time": 0, field: value}
    raises(gpusched.RangeError, f"{field} = ", sched.submit, 1, **args)
    assert len(sched) == 0


@pytest.mark.parametrize("field", ["exclusive", "one_nvlink_domain",
                                   "preemptible"])
@pytest.mark.parametrize("value", ["no", 2, -1, 0.0, None, [True]])
def test_flags_are_bools(sched, field, value):
    raises(TypeError, field, sched.submit, 1, submit_time=0,
           **{field: value})
    assert len(sched) == 0


def test_sizes_in_text_are_exact(sched):
    # 2^64 - 1 as a float is 2^64: parsed exactly, the largest is fine
    assert gpusched.parse_size("18446744073709551615") == 2 ** 64 - 1
    raises(gpusched.RangeError, "mem_per_gpu = 18446744073709551616",
           sched.submit, 1, mem_per_gpu="18446744073709551616")
    raises(gpusched.RangeError, "mem_per_gpu", sched.submit, 1,
           mem_per_gpu="16777216TiB")      # 2^64 bytes
    assert gpusched.parse_size("16777215TiB") == (2 ** 24 - 1) * 2 ** 40
    raises(gpusched.InvalidArgument, "not a size", gpusched.parse_size,
           "9" * 400 + "GiB")              # no float overflow on the way
    raises(gpusched.InvalidArgument, "whole number", gpusched.parse_size,
           "0.5")
    raises(gpusched.InvalidArgument, "not a size", gpusched.parse_size,
           "nan")


def test_scheduler_config_numbers(dgx1):
    for kw, exc in ((dict(backfill_horizon=T + 1), gpusched.RangeError),
                    (dict(backfill_horizon=-1), gpusched.RangeError),
                    (dict(backfill_horizon=2.5), TypeError),
                    (dict(backfill_depth=True), TypeError),
                    (dict(ordering=7), gpusched.InvalidArgument),
                    (dict(placement=3), TypeError)):
        name = next(iter(kw))
        raises(exc, name, gpusched.Scheduler, dgx1, **kw)


@pytest.mark.parametrize("name", ["age", "fairshare", "job_size",
                                  "priority"])
@pytest.mark.parametrize("value", [NAN, INF, -INF, -1, 1e400, 10 ** 400])
def test_priority_weights(sched, name, value):
    raises(gpusched.RangeError, name, sched.set_priority_weights,
           **{name: value})


@pytest.mark.parametrize("name", ["max_age", "calc_period"])
@pytest.mark.parametrize("value, exc", [
    (-1, gpusched.RangeError), (T + 1, gpusched.RangeError),
    (2 ** 63, gpusched.RangeError), (1.5, TypeError), (True, TypeError),
    (NAN, TypeError)])
def test_priority_periods(sched, name, value, exc):
    raises(exc, name, sched.set_priority_weights, **{name: value})


@pytest.mark.parametrize("name", ["gpu", "cpu", "mem_gib"])
@pytest.mark.parametrize("value", [NAN, INF, -INF, -0.5, 1e309])
def test_usage_weights(sched, name, value):
    # the reviewer's case: set_usage_weights(inf) returned GS_OK and the
    # next step hung
    raises(gpusched.RangeError, name, sched.set_usage_weights,
           **{name: value})
    sched.submit(1, time_limit=10, submit_time=0)
    sched.step(0)
    sched.step(5)  # finishes: the weights were not changed


@pytest.mark.parametrize("value, exc", [
    (NAN, gpusched.RangeError), (INF, gpusched.RangeError),
    (-1, gpusched.RangeError), (True, TypeError), ("2", TypeError)])
def test_model_weight(sched, value, exc):
    raises(exc, "weight", sched.set_model_weight, "V100", value)


@pytest.mark.parametrize("method", ["drain_gpu", "resume_gpu", "repair_gpu",
                                    "gpu_job", "fail_gpu"])
@pytest.mark.parametrize("gpu, exc", [
    (8, gpusched.InvalidArgument), (-1, gpusched.InvalidArgument),
    (2 ** 32, gpusched.InvalidArgument), (2 ** 64, gpusched.InvalidArgument),
    (True, TypeError), (1.0, TypeError), ("0", TypeError)])
def test_gpu_indices(sched, method, gpu, exc):
    args = (gpu, 0) if method == "fail_gpu" else (gpu,)   # now=0
    raises(exc, "GPU" if exc is not TypeError else "GPU must be an integer",
           getattr(sched, method), *args)


@pytest.mark.parametrize("value, exc", [
    (NAN, gpusched.RangeError), (INF, gpusched.RangeError),
    (-INF, gpusched.RangeError), (-1, gpusched.RangeError),
    (0, gpusched.RangeError), (0.0, gpusched.RangeError),
    (1e13, gpusched.RangeError), (1e309, gpusched.RangeError),
    (10 ** 400, gpusched.RangeError), (True, TypeError), ("2", TypeError),
    (None, TypeError)])
def test_demand_weights(sched, value, exc):
    sched.set_demand([(2, "ring", 1)])
    raises(exc, "demand entry 1: weight", sched.set_demand,
           [(4, "any", 1), (2, "ring", value)])
    assert sched.demand() == [(2, "ring", 1.0)]   # unchanged


@pytest.mark.parametrize("gpus, exc", [
    (0, gpusched.RangeError), (65, gpusched.RangeError),
    (-1, gpusched.RangeError), (2 ** 32 + 2, gpusched.RangeError),
    (2 ** 64, gpusched.RangeError), (True, TypeError), (2.0, TypeError)])
def test_demand_sizes(sched, gpus, exc):
    raises(exc, "demand entry 0: gpus", sched.set_demand,
           [(gpus, "any", 1)])
    assert sched.demand() == []


@pytest.mark.parametrize("k, exc", [
    (0, gpusched.RangeError), (9, gpusched.RangeError),
    (-1, gpusched.RangeError), (2 ** 32 + 2, gpusched.RangeError),
    (True, TypeError), (2.0, TypeError), ("2", TypeError)])
def test_pattern_best_sizes(dgx1, k, exc):
    raises(exc, "k", dgx1.pattern_best, 0, k, "ring")


@pytest.mark.parametrize("job", [-1, 2 ** 64, 2 ** 100])
def test_job_ids(sched, job):
    raises(gpusched.RangeError, "job = ", sched.job, job)
    raises(gpusched.RangeError, "job = ", sched.complete, job, 0)


# ---- fair share -----------------------------------------------------------


@pytest.mark.parametrize("value", [NAN, INF, -INF, -1, 1e31, 10 ** 400])
def test_usage_values(share, value):
    before = share.usage("u", "A", 0)
    raises(gpusched.RangeError, "usage", share.set_usage, "u", "A", value, 0)
    raises(gpusched.RangeError, "amount", share.add_usage, "u", "A", value,
           0)
    assert share.usage("u", "A", 0) == before


def test_usage_limit_is_gs_usage_max(share):
    share.set_usage("u", "A", 1e30, 0)
    assert share.usage("u", "A", 0) == 1e30
    raises(gpusched.RangeError, "from 0 to 1e+30", share.set_usage, "u", "A",
           1.0000001e30, 0)


@pytest.mark.parametrize("now", [NAN, INF, -INF, 2.0 ** 60 * 1.5, -2.0 ** 61,
                                 10 ** 400])
def test_share_times(share, now):
    raises(gpusched.RangeError, "now", share.set_usage, "u", "A", 1, now)
    raises(gpusched.RangeError, "now", share.add_usage, "u", "A", 1, now)
    raises(gpusched.RangeError, "now", share.usage, "u", "A", now)
    raises(gpusched.RangeError, "now", share.compute, "fair-tree", now)


@pytest.mark.parametrize("value", [NAN, INF, -1, 2.0 ** 61])
def test_half_life(share, value):
    raises(gpusched.RangeError, "half_life", share.set_half_life, value)
    raises(gpusched.RangeError, "half_life", gpusched.Share, half_life=value)


@pytest.mark.parametrize("value, exc", [
    (NAN, gpusched.RangeError), (INF, gpusched.RangeError),
    (-1, gpusched.RangeError), (True, TypeError), ("1", TypeError),
    (None, TypeError)])
def test_shares(share, value, exc):
    raises(exc, "shares", share.add_account, "B", shares=value)
    raises(exc, "shares", share.add_user, "v", "A", shares=value)
    assert [r.name for r in share.rows()] == ["root", "A", "u"]


def test_share_numbers_wrong_types(share):
    for bad in (True, "1", None, [1], 1j):
        raises(TypeError, "usage", share.set_usage, "u", "A", bad)
        raises(TypeError, "now", share.compute, "classic", bad)


# ---- the topology ---------------------------------------------------------


def test_topology_builder_numbers():
    t = gpusched.Topology()
    n = t.add_node("n")
    raises(gpusched.RangeError, "node = ", t.add_numa, 2 ** 32)
    raises(TypeError, "node", t.add_numa, True)
    raises(gpusched.RangeError, "memory = ", t.add_numa, n, "0-3", -1)
    raises(gpusched.RangeError, "memory", t.add_numa, n, "0-3", "16777216TiB")
    raises(gpusched.RangeError, "sm_count = ", t.add_gpu, n,
           sm_count=2 ** 32)
    raises(TypeError, "sm_count", t.add_gpu, n, sm_count=1.0)
    raises(gpusched.RangeError, "cc major = ", t.add_gpu, n, cc=(1001, 0))
    raises(gpusched.InvalidArgument, "compute capability", t.add_gpu, n,
           cc=NAN)
    raises(gpusched.RangeError, "link_speed", t.add_switch, "s",
           link_speed=2 ** 64)
    t.add_gpu(n)
    t.add_gpu(n)
    for bad in (NAN, INF, -1.0):
        raises(gpusched.RangeError, "bandwidth", t.set_link, n, 0, 1,
               bandwidth=bad)
        raises(gpusched.RangeError, "sys", t.set_bandwidths, sys=bad)
    raises(gpusched.RangeError, "nvlinks = ", t.set_link, n, 0, 1,
           nvlinks=2 ** 32 + 2)
    raises(gpusched.InvalidArgument, "pcie", t.set_link, n, 0, 1, pcie=2 ** 40)
    raises(gpusched.InvalidArgument, "source", t.set_link, n, 0, 1,
           source=2 ** 40)
    t.set_link(n, 0, 1, nvlinks=2, pcie="PIX", bandwidth=50.0)
    t.freeze()
    assert t.link(0, 1).nvlinks == 2 and t.bandwidth(0, 1) == 50.0


def test_topology_query_numbers(dgx1):
    for bad in (8, -1, 2 ** 32, 2 ** 64):
        raises(gpusched.InvalidArgument, "does not exist", dgx1.gpu, bad)
        raises(gpusched.InvalidArgument, "does not exist", dgx1.local_cpus,
               bad)
        raises(gpusched.InvalidArgument, "does not exist", dgx1.quality,
               [0, bad])
        raises(gpusched.InvalidArgument, "does not exist",
               dgx1.pattern_bandwidth, [0, bad], "ring")
    for bad in (True, 1.0, None):
        raises(TypeError, "must be an integer", dgx1.gpu, bad)
        raises(TypeError, "must be an integer", dgx1.node, bad)
    raises(TypeError, "legend", dgx1.matrix, 0, legend="yes")
    raises(TypeError, "freeze", gpusched.Topology.load, "dgx1-v100",
           freeze="no")
    raises(gpusched.RangeError, "max_input_bytes", gpusched.Topology.load,
           "dgx1-v100", max_input_bytes=2 ** 64)
    raises(gpusched.RangeError, "max_input_bytes", gpusched.Topology.load,
           "dgx1-v100", max_input_bytes=0)


def test_max_input_bytes_reaches_the_library(tmp_path, dgx1):
    path = tmp_path / "t.json"
    dgx1.save_json(str(path))
    size = path.stat().st_size
    assert gpusched.Topology.load(str(path), max_input_bytes=size).gpu_count \
        == 8
    raises(gpusched.RangeError, "", gpusched.Topology.load, str(path),
           max_input_bytes=size - 1)


def test_bool_index_is_not_gpu_1(dgx1):
    # True == 1 in Python; as a GPU id it is a mistake
    raises(TypeError, "bool", dgx1.gpu, True)
    raises(TypeError, "bool", dgx1.gpu_id, 0, True)


# ---- extreme times the library accepts ------------------------------------


def test_extreme_accepted_times_keep_the_scheduler_consistent(dgx1):
    """Times at the edges of what Python lets through (+-2^60), with
    backfill, time limits, fair share and preemption: every call returns
    and the scheduler's invariants hold. (With a library built with
    -fsanitize=undefined, a signed overflow inside would abort here.)"""
    with gpusched.Share(half_life=T) as share, gpusched.Scheduler(
            dgx1, backfill="easy", preempt="requeue", share=share,
            backfill_horizon=T) as s:
        s.set_priority_weights(age=1000, fairshare=10000, max_age=T,
                               calc_period=T)
        a = s.submit(8, submit_time=-T, time_limit=T, user="u")
        b = s.submit(4, submit_time=T, time_limit=T, user="v",
                     preemptible=True)
        c = s.submit(2, submit_time=-T, time_limit=1, user="w")
        for now in (-T, -T + 1, 0, T - 1, T):
            s.step(now)
            s.check()
            s.priority(b)
        s.update_usage(T)
        s.complete(a, T) if s.job(a).running else s.cancel(a, T)
        s.step(T)
        s.check()
        for j in (b, c):
            if s.job(j).running:
                s.complete(j, T)
        s.check()
        for row in s.fairshare_report():
            assert not math.isnan(row.factor)
        share.compute("classic", T)
        share.compute("fair-tree", -T)


def test_share_at_extreme_times():
    with gpusched.Share(half_life=1) as share:
        share.add_account("A")
        share.add_user("u", "A")
        share.add_user("v", "A")
        share.set_usage("u", "A", 1e30, now=-T)
        share.add_usage("v", "A", 1e30, now=T)
        assert share.usage("u", "A", T) == 0.0   # decayed over 2^61 s
        assert share.usage("v", "A", T) == 1e30
        for algo in ("classic", "fair-tree"):
            share.compute(algo, T)
            for row in share.rows():
                assert not math.isnan(row.factor)


def test_constants_match_the_headers(tmp_path, repo_dir):
    """TIME_MAX and USAGE_MAX are the C headers' GS_TIME_MAX and
    GS_USAGE_MAX."""
    import shutil
    cc = shutil.which("cc") or shutil.which("gcc")
    include = os.path.join(repo_dir, "include")
    if not cc or not os.path.isdir(include):
        pytest.skip("no C compiler or no headers")
    src = tmp_path / "c.c"
    src.write_text(textwrap.dedent("""\
        #include <gpusched/gpusched.h>
        #include <stdio.h>
        int main(void)
        {
            printf("%lld %.17g\\n", (long long)GS_TIME_MAX,
                   (double)GS_USAGE_MAX);
            return 0;
        }
        """))
    exe = tmp_path / "c"
    subprocess.run([cc, "-std=c11", "-I", include, "-o", str(exe), str(src)],
                   check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True,
                         check=True).stdout.split()
    assert int(out[0]) == _lib.TIME_MAX == 2 ** 60
    assert float(out[1]) == _lib.USAGE_MAX == 1e30


def test_no_ctypes_wrap_anywhere():
    """The binding never hands ctypes a Python int for a C integer
    argument without a check: ctypes would wrap 2**32 + 1 to 1 silently.
    Sanity-check the premise, so that the checks above matter."""
    import ctypes
    assert ctypes.c_uint32(2 ** 32 + 1).value == 1
    assert ctypes.c_int64(2 ** 63).value == -2 ** 63


def test_cpulists_have_a_limit():
    assert gpusched.parse_cpulist("1048574-1048575") == [1048574, 1048575]
    for bad in ("0-99999999999", "1048576", "0-3,8-2", "0-7:0", "x",
                "\u0663", "1,,2", "-1"):
        with pytest.raises(ValueError):
            gpusched.parse_cpulist(bad)
    with pytest.raises(TypeError):
        gpusched.parse_cpulist(None)
    assert gpusched.format_cpulist([3, 1, 2]) == "1-3"
    for bad, exc in (([1.5], TypeError), ([True], TypeError),
                     (["1"], TypeError), ([-1], ValueError),
                     ([2 ** 20], ValueError)):
        with pytest.raises(exc):
            gpusched.format_cpulist(bad)
    t = gpusched.Topology()
    n = t.add_node("n")
    with pytest.raises(TypeError):
        t.add_numa(n, [0.5, 1])
