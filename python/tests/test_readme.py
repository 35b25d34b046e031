"""The README's first example runs and prints what its comments say."""

import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))


def test_readme_example():
    with open(os.path.join(os.path.dirname(HERE), "README.md")) as f:
        text = f.read()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
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
    assert len(got) == len(checks) >= 4
    for expr, want in checks:
        value = got[expr]
        shown = repr(value) if not isinstance(value, str) else f'"{value}"'
        assert shown == want, f"{expr}: {shown} != {want}"
