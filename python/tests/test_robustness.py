"""No input crashes: random texts for every format, random calls with
random arguments. Every outcome is a result or a clean exception."""

import random

import pytest

import gpusched

SEEDS_TEXT = [
    '{"nodes": [{"name": "n", "template": "dgx-h100"}]}',
    '{"nodes": [{"name": "n[1-3]", "gpus": {"count": 2}, '
    '"matrix": ["X NV1", "NV1 X"]}]}',
    "\tGPU0\tGPU1\nGPU0\t X \tNV1\nGPU1\tNV1\t X \n",
    "SwitchName=s1 Nodes=n[1-2]\n",
    "NodeName=n1 Name=gpu File=/dev/nvidia[0-1]\n",
    '<?xml version="1.0"?><topology></topology>',
]


def mutate(rng, text):
    b = bytearray(text.encode())
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(4)
        pos = rng.randrange(len(b) + 1)
        if op == 0 and b:
            del b[pos % len(b)]
        elif op == 1:
            b.insert(pos, rng.randrange(256))
        elif op == 2:
            b[pos:pos] = rng.choice([b"[", b"{", b"]", b"}", b'"', b",",
                                     b"NV99", b"-1", b"\0", b"9" * 30])
        elif b:
            i = pos % len(b)
            b[i] = rng.randrange(256)
    return bytes(b)


def test_random_texts_never_crash():
    rng = random.Random(1234)
    outcomes = {"ok": 0, "error": 0}
    for i in range(600):
        text = mutate(rng, rng.choice(SEEDS_TEXT))
        fmt = rng.choice([None, "json", "smi", "slurm-topology",
                          "slurm-gres", "hwloc"])
        try:
            t = gpusched.Topology.from_text(text, format=fmt,
                                            node_templates="dgx-h100")
        except gpusched.Error as e:
            assert e.status is not None and e.message
            outcomes["error"] += 1
            continue
        outcomes["ok"] += 1
        if t.gpu_count:
            t.quality(range(min(3, t.gpu_count)))
            t.matrix(0)
        gpusched.Topology.from_json(t.to_json())
        t.close()
    assert outcomes["error"] > 100


def random_arg(rng):
    return rng.choice([0, 1, 2, 7, 8, 64, -1, 2 ** 32, 2 ** 64, None, "x",
                       "dgx1-v100", 1.5, [0, 1], (), [99]])


SCHED_METHODS = ["submit", "preview", "step", "complete", "fail", "cancel",
                 "job", "allocation", "pending_reason", "drain_node",
                 "resume_node", "drain_gpu", "resume_gpu", "fail_gpu",
                 "repair_gpu", "free_gpus", "free_cpus", "free_memory",
                 "gpu_job", "cuda_visible_devices", "next_event",
                 "consume_events", "set_retention", "snapshot"]
TOPO_METHODS = ["node", "gpu", "link", "bandwidth", "quality", "matrix",
                "local_cpus", "local_cpulist", "common_switch", "gpu_id",
                "gpu_node", "find_node", "find_gpu"]


@pytest.mark.parametrize("seed", range(5))
def test_random_calls_never_crash(dgx1, seed):
    rng = random.Random(seed)
    with gpusched.Scheduler(dgx1) as s:
        for _ in range(400):
            if rng.random() < 0.5:
                obj, name = s, rng.choice(SCHED_METHODS)
            else:
                obj, name = dgx1, rng.choice(TOPO_METHODS)
            args = [random_arg(rng) for _ in range(rng.randint(0, 3))]
            try:
                getattr(obj, name)(*args)
            except (gpusched.Error, TypeError, ValueError, KeyError):
                pass
            if rng.random() < 0.3:
                try:
                    # not before the latest time the random calls gave
                    s.submit(rng.randint(1, 8), cpus_per_gpu=rng.randint(0, 2),
                             submit_time=max(0, s.clock_time or 0))
                except gpusched.Error:
                    pass
            s.check()
