"""Status codes -> exception classes, each provoked for real where the
library can produce it."""

import ctypes
import os
import pickle
import subprocess
import sys
import textwrap

import pytest

import gpusched
from gpusched._lib import lib

EXPECTED = {
    -1: ("GS_EINVAL", "InvalidArgument", ValueError),
    -2: ("GS_ENOMEM", "OutOfMemory", MemoryError),
    -3: ("GS_EPARSE", "ParseError", ValueError),
    -4: ("GS_EIO", "InputOutputError", OSError),
    -5: ("GS_ENOTFOUND", "NotFoundError", LookupError),
    -6: ("GS_EFROZEN", "FrozenError", None),
    -7: ("GS_ENOTFROZEN", "NotFrozenError", None),
    -8: ("GS_EEXIST", "AlreadyExistsError", None),
    -9: ("GS_ERANGE", "RangeError", ValueError),
    -10: ("GS_ENODEV", "NoDeviceError", None),
    -11: ("GS_ENOSPC", "NoSpaceError", None),
    -12: ("GS_EINVALID", "InconsistentError", ValueError),
    -13: ("GS_EBUSY", "BusyError", None),
    -14: ("GS_EUNSUPPORTED", "UnsupportedError", None),
    -15: ("GS_ENORES", "NoResourcesError", None),
    -16: ("GS_ESTATE", "StateError", None),
    -17: ("GS_EDRIVER", "DriverError", None),
}


def test_every_status_has_its_class():
    classes = gpusched.status_classes()
    assert set(classes) >= set(EXPECTED)
    for code, (symbol, cls_name, builtin) in EXPECTED.items():
        cls = classes[code]
        assert cls.__name__ == cls_name
        assert getattr(gpusched, cls_name) is cls
        assert cls.status_code == code
        assert cls.status_name == symbol
        assert issubclass(cls, gpusched.Error)
        if builtin is not None:
            assert issubclass(cls, builtin)
        # names come from the library's own table
        assert lib.gs_status_name(code).decode() == symbol
        err = gpusched.error_from_status(code)
        assert type(err) is cls
        assert err.status == code and err.name == symbol
        assert err.message == lib.gs_strerror(code).decode()
        assert str(err) == f"{err.message} ({symbol})"


def test_unknown_status_and_success():
    assert lib.gs_status_name(0).decode() == "GS_OK"
    assert 0 not in gpusched.status_classes()
    err = gpusched.error_from_status(-9999, "odd")
    assert isinstance(err, gpusched.UnknownStatusError)
    assert err.status == -9999 and err.name == "GS_UNKNOWN"


def test_class_names_for_codes_added_later():
    from gpusched.errors import _class_name_for
    assert _class_name_for("GS_ETIMEDOUT") == "TimedoutError"
    assert _class_name_for("GS_EQUOTA_EXCEEDED") == "QuotaExceededError"


def test_errors_pickle():
    err = gpusched.ParseError("x.json:1:2: bad")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is gpusched.ParseError
    assert back.message == err.message and back.status == -3


# ---- provoked ------------------------------------------------------------


def test_einval_names_the_field(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        with pytest.raises(gpusched.InvalidArgument) as e:
            s.submit(0, submit_time=0)
        assert e.value.status == -1 and e.value.name == "GS_EINVAL"
        assert "gpus must be at least 1" in e.value.message
        with pytest.raises(gpusched.InvalidArgument, match="gpus_per_node"):
            s.submit(2, gpus_per_node=3, submit_time=0)
        with pytest.raises(gpusched.InvalidArgument, match="3 GPUs required"):
            s.submit(2, require_gpus=[0, 1, 2], submit_time=0)
        with pytest.raises(gpusched.InvalidArgument, match="require_uuids"):
            s.submit(2, require_uuids=["GPU-nope"], submit_time=0)
        with pytest.raises(gpusched.InvalidArgument, match="user"):
            s.submit(1, user="has space", submit_time=0)
        with pytest.raises(gpusched.InvalidArgument, match="min_nodes"):
            s.submit(2, min_nodes=3, submit_time=0)
        # checked by the binding before C sees it: out of its C type
        with pytest.raises(gpusched.RangeError, match="cpus_per_gpu"):
            s.submit(1, cpus_per_gpu=-1, submit_time=0)
        with pytest.raises(gpusched.InvalidArgument, match="comm"):
            s.submit(1, comm="fast", submit_time=0)
        with pytest.raises(TypeError):
            s.submit(1, no_such_keyword=1, submit_time=0)


def test_enomem_from_a_failing_allocator(repo_dir):
    # The allocator can only be replaced while the library holds no memory,
    # so this runs in a fresh interpreter.
    code = textwrap.dedent(r"""
        import ctypes, sys
        sys.path.insert(0, sys.argv[1])
        import gpusched
        from gpusched._lib import lib
        libc = ctypes.CDLL(None)
        libc.malloc.restype = ctypes.c_void_p
        libc.malloc.argtypes = [ctypes.c_size_t]
        libc.realloc.restype = ctypes.c_void_p
        libc.realloc.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        libc.free.argtypes = [ctypes.c_void_p]
        budget = [int(sys.argv[2])]
        MALLOC = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
        REALLOC = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
        FREE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
        def m(u, n):
            budget[0] -= 1
            return None if budget[0] < 0 else libc.malloc(n)
        def r(u, p, n):
            budget[0] -= 1
            return None if budget[0] < 0 else libc.realloc(p, n)
        def f(u, p):
            libc.free(p)
        class Alloc(ctypes.Structure):
            _fields_ = [("m", MALLOC), ("r", REALLOC), ("f", FREE), ("u", ctypes.c_void_p)]
        a = Alloc(MALLOC(m), REALLOC(r), FREE(f), None)
        lib.gs_set_allocator(ctypes.byref(a))
        try:
            gpusched.Topology.load("dgx1-v100")
        except gpusched.OutOfMemory as e:
            assert isinstance(e, MemoryError)
            print("ENOMEM", e.status, e.name)
        else:
            print("loaded")
    """)
    for budget in (0, 3):
        out = subprocess.run([sys.executable, "-c", code,
                              os.path.join(repo_dir, "python"), str(budget)],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == ["ENOMEM", "-2", "GS_ENOMEM"]


def test_eparse_has_file_line_column(tmp_path):
    bad = tmp_path / "cluster.json"
    bad.write_text('{\n  "nodes": [\n    {"name": "n1", "gpus": 7}\n  ]\n}\n')
    with pytest.raises(gpusched.ParseError) as e:
        gpusched.Topology.load(bad)
    msg = e.value.message
    assert msg.startswith(f"{bad}:3:")
    assert "gpus" in msg
    assert e.value.status == -3
    with pytest.raises(gpusched.ParseError, match=r"^mem\.json:1:\d+"):
        gpusched.Topology.from_json('{"nodes": [}', name="mem.json")
    with pytest.raises(ValueError):          # also a ValueError
        gpusched.Topology.from_json("[1, 2,]")


def test_eio(tmp_path, dgx1):
    with pytest.raises(gpusched.InputOutputError, match="no such file"):
        gpusched.Topology.load(tmp_path / "missing.json")
    with pytest.raises(OSError):
        gpusched.Topology.load(tmp_path)  # a directory
    with pytest.raises(gpusched.InputOutputError, match="cannot write"):
        dgx1.save_json(tmp_path / "no" / "such" / "dir.json")


def test_enotfound(dgx1):
    with pytest.raises(gpusched.NotFoundError, match="no-such-policy"):
        gpusched.Scheduler(dgx1, placement="no-such-policy")
    with pytest.raises(gpusched.NotFoundError):
        gpusched.Topology.template("no-such-template")
    t = gpusched.Topology()
    with pytest.raises(gpusched.NotFoundError, match="no template"):
        t.add_node("n", template="no-such-template")
    with gpusched.Scheduler(dgx1) as s:
        with pytest.raises(gpusched.NotFoundError, match="no job 42"):
            s.complete(42, 0)
        with pytest.raises(LookupError):
            s.job(42)


def test_efrozen_enotfrozen_eexist_erange():
    t = gpusched.Topology()
    n = t.add_node("a")
    t.add_gpu(n)
    t.add_gpu(n)
    with pytest.raises(gpusched.AlreadyExistsError, match='"a" already'):
        t.add_node("a")
    with pytest.raises(gpusched.RangeError, match="300 NVLinks"):
        t.set_link(n, 0, 1, nvlinks=300)
    with pytest.raises(gpusched.NotFrozenError):
        t.to_json()
    with pytest.raises(gpusched.NotFrozenError, match="frozen"):
        gpusched.Scheduler(t)          # message from gs_sched_errmsg
    t.freeze()
    with pytest.raises(gpusched.FrozenError, match="frozen"):
        t.add_node("b")
    with pytest.raises(gpusched.FrozenError):
        t.freeze()


def test_einvalid_names_what_is_wrong():
    t = gpusched.Topology()
    n = t.add_node("x")
    t.add_gpu(n, numa=2)
    with pytest.raises(gpusched.InconsistentError,
                       match='node "x": GPU 0 is in NUMA domain 2'):
        t.freeze()
    assert not t.frozen  # failure changes nothing
    t.add_numa(n, "0-3")
    t.add_numa(n, "4-7")
    t.add_numa(n, "8-11")
    t.freeze()
    assert t.gpu(0).numa == 2


def test_enospc_through_the_raw_table(dgx1):
    with gpusched.Scheduler(dgx1) as s, s._use() as p:
        spec, keep = gpusched.scheduler._build_spec((4,), {},
                                                    lambda t: 0)
        out = (ctypes.c_uint32 * 2)()
        n = ctypes.c_size_t()
        with pytest.raises(gpusched.NoSpaceError, match="2 slots for 4"):
            lib.gs_sched_preview(p, ctypes.byref(spec), out, 2,
                                 ctypes.byref(n))
    # functions the binding sizes itself return the status instead
    with dgx1._use() as p:
        n = ctypes.c_size_t()
        st = lib.gs_topo_node_matrix(p, 0, 0, None, 0, ctypes.byref(n))
        assert st == -11 and n.value > 100


def test_ebusy_allocator_while_handles_live(dgx1):
    with pytest.raises(gpusched.BusyError):
        lib.gs_set_allocator(None)


def test_eunsupported_more_than_64_gpus():
    t = gpusched.Topology()
    n = t.add_node("big")
    for _ in range(65):
        t.add_gpu(n)
    t.freeze()
    with pytest.raises(gpusched.UnsupportedError, match="65 GPUs"):
        gpusched.Scheduler(t)


def test_enores(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        with pytest.raises(gpusched.NoResourcesError, match="100 asked"):
            s.submit(100, submit_time=0)
        with pytest.raises(gpusched.NoResourcesError, match="never run"):
            s.submit(1, gpu_models="H100", submit_time=0)
        with pytest.raises(gpusched.NoResourcesError, match="never run"):
            s.submit(1, min_cc="9.0", submit_time=0)
        j = s.submit(8, submit_time=0)
        s.step(0)
        with pytest.raises(gpusched.NoResourcesError, match="0 are free"):
            s.preview(1)
        s.complete(j, 1)


def test_estate(dgx1):
    with gpusched.Scheduler(dgx1) as s:
        j = s.submit(2, submit_time=0)
        with pytest.raises(gpusched.StateError, match="pending"):
            s.complete(j, 1)
        s.cancel(j, 1)
        with pytest.raises(gpusched.StateError, match="cancelled"):
            s.cancel(j, 2)


def test_enodev_edriver_not_reachable_yet():
    # No C function returns them before the probe exists; the mapping holds.
    assert gpusched.error_class(-10) is gpusched.NoDeviceError
    assert gpusched.error_class(-17) is gpusched.DriverError


def test_closed_error_is_an_error():
    t = gpusched.Topology.template("dgx1-v100")
    t.close()
    with pytest.raises(gpusched.ClosedError) as e:
        t.gpu_count
    assert isinstance(e.value, gpusched.Error)
    assert e.value.status is None
    assert "closed" in str(e.value)
