"""The README's examples run and print what their comments say."""

import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))


def _blocks():
    with open(os.path.join(os.path.dirname(HERE), "README.md")) as f:
        text = f.read()
    return re.findall(r"```python\n(.*?)```", text, re.S)


def _run_checked(code):
    """Run a block; each ``expr  # value`` line (a value starting with a
    digit, a quote or a bracket) must give ``value``. Returns the number
    of checks."""
    lines = code.splitlines()
    checks = []
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)(.*?)\s+# (\S.*)$", line)
        if m and m.group(3)[:1] in "0123456789[\"'":
            # "expr  # value": keep the value to compare
            checks.append((m.group(2), m.group(3).split(" (")[0]))
            lines[i] = f"{m.group(1)}_results.append(({m.group(2)!r}, " \
                       f"{m.group(2)}))"
    env = {"_results": []}
    exec(compile("\n".join(lines), "README.md", "exec"), env)
    got = dict(env["_results"])
    assert len(got) == len(checks)
    for expr, want in checks:
        value = got[expr]
        shown = repr(value) if not isinstance(value, str) else f'"{value}"'
        assert shown == want, f"{expr}: {shown} != {want}"
    return len(checks)


def test_readme_example():
    assert _run_checked(_blocks()[0]) >= 4


def test_readme_fairshare_example():
    blocks = [b for b in _blocks() if "gpusched.Share(" in b]
    assert len(blocks) == 1
    assert _run_checked(blocks[0]) >= 6


def test_readme_ordering_example():
    import gpusched
    blocks = [b for b in _blocks() if "register_ordering(" in b]
    assert len(blocks) == 1
    try:
        assert _run_checked(blocks[0]) >= 5
    finally:
        for name in ("deadline",):
            if name in gpusched.orderings():
                gpusched.unregister_ordering(name)
        if "floor-half" in gpusched.fairshare_algorithms():
            gpusched.unregister_fairshare("floor-half")


def test_readme_patterns_example():
    blocks = [b for b in _blocks() if "pattern_bandwidth(" in b]
    assert len(blocks) == 1
    assert _run_checked(blocks[0]) >= 6


def test_readme_durable_example(monkeypatch, tmp_path):
    import tempfile
    blocks = [b for b in _blocks() if "Scheduler.open(" in b]
    assert len(blocks) == 1
    monkeypatch.setattr(tempfile, "mkdtemp", lambda: str(tmp_path))
    assert _run_checked(blocks[0]) >= 8
    assert sorted(os.listdir(tmp_path)) == ["sched.gss",
                                            "sched.gss.journal"]


def test_readme_clock_example(monkeypatch):
    import time
    blocks = [b for b in _blocks() if "clock=lambda" in b]
    assert len(blocks) == 1
    monkeypatch.setattr(time, "time", lambda: 1700000000.75)
    env = {}
    # one more line inside the with block: what the job went through
    code = blocks[0] + "    info = sched.job(job)\n"
    exec(compile(code, "README.md", "exec"), env)
    info = env["info"]
    assert (info.submit_time, info.start_time, info.end_time) == (
        1700000000, 1700000000, 1700000000)
    assert str(info.state) == "completed"


def test_readme_mig_example():
    blocks = [b for b in _blocks() if "mig_profile=" in b]
    assert len(blocks) == 1
    assert _run_checked(blocks[0]) >= 7
