#!/bin/sh
# Install the Python package the documented ways, offline, in fresh virtual
# environments, and use it against a build tree's library.
#
#   python/test_install.sh BUILD_DIR [PYTHON...]
#
# PYTHON: interpreters to test (default: `python3` on PATH and Debian's
# /usr/bin/python3 when it is another one). Each must be CPython 3.9+ with
# pip and venv; one that is not is reported and skipped, but at least one
# must work. For each interpreter, in a new venv, with pip's index
# turned off (--no-index) and no user configuration:
#
#   1. pip install ./python                      (build isolation: the
#      in-tree backend needs nothing from an index)
#   2. pip install --no-build-isolation ./python
#   3. pip install -e ./python                   (editable)
#   4. GPUSCHED_BUNDLE_LIBRARY=... pip wheel ./python, then install that
#      wheel: the library comes from inside the package, no
#      GPUSCHED_LIBRARY needed
#   5. the sdist (built by the backend), installed with pip: a wheel built
#      from it
#
# and after each: import gpusched from the venv (not from the source tree)
# and place a 2-GPU job on a DGX-1 (the NV2 pair 0,3, as the README says).
set -eu

if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [PYTHON...]" >&2
    exit 2
fi
build=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
lib=$(cd "$build/lib" 2>/dev/null && pwd)/libgpusched.so || true
if [ ! -e "$lib" ]; then
    echo "$0: $build/lib/libgpusched.so not found: build the library first" >&2
    exit 2
fi
real_lib=$(readlink -f "$lib")

if [ $# -eq 0 ]; then
    set -- python3
    if [ -x /usr/bin/python3 ] &&
       [ "$(readlink -f /usr/bin/python3)" != "$(readlink -f "$(command -v python3)")" ]; then
        set -- "$@" /usr/bin/python3
    fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gpusched-install.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# no index, no user or site pip configuration, no version check
PIP_NO_INDEX=1
PIP_CONFIG_FILE=/dev/null
PIP_DISABLE_PIP_VERSION_CHECK=1
PIP_NO_INPUT=1
PYTHONDONTWRITEBYTECODE=1
export PIP_NO_INDEX PIP_CONFIG_FILE PIP_DISABLE_PIP_VERSION_CHECK PIP_NO_INPUT \
    PYTHONDONTWRITEBYTECODE
unset GPUSCHED_LIBRARY GPUSCHED_BUNDLE_LIBRARY PYTHONPATH PIP_FIND_LINKS \
    2>/dev/null || true

# the check run after each install; $1: the venv, $2: "bundled" when the
# library must come from inside the package, "editable" when the package
# must be the source tree's
check() {
    venv=$1
    how=$2
    if [ "$how" = bundled ]; then
        env -u GPUSCHED_LIBRARY "$venv/bin/python" - "$venv" "$how" "$here" \
            <"$work/check.py"
    else
        GPUSCHED_LIBRARY=$lib "$venv/bin/python" - "$venv" "$how" "$here" \
            <"$work/check.py"
    fi
}

cat >"$work/check.py" <<'EOF'
import os, sys
venv, how, source = sys.argv[1:4]
import gpusched
pkg = os.path.realpath(os.path.dirname(gpusched.__file__))
if how == "editable":
    assert pkg == os.path.join(os.path.realpath(source), "gpusched"), pkg
else:
    assert pkg.startswith(os.path.realpath(venv) + os.sep), pkg
if how == "bundled":
    assert "GPUSCHED_LIBRARY" not in os.environ
    assert os.path.dirname(os.path.realpath(gpusched.library_path())) == pkg, \
        gpusched.library_path()
topo = gpusched.Topology.load("dgx1-v100")
with gpusched.Scheduler(topo) as sched:
    job = sched.submit(2, submit_time=0)
    sched.step(now=0)
    cvd = sched.allocation(job).cuda_visible_devices()
assert cvd == "0,3", cvd
print(f"    ok: gpusched {gpusched.__version__} from {pkg}, library "
      f"{gpusched.library_version()}, CUDA_VISIBLE_DEVICES={cvd}")
EOF

failures=0
worked=0
n=0
for py in "$@"; do
    n=$((n + 1))
    echo "== $py"
    if ! "$py" -c 'import sys; assert sys.version_info >= (3, 9)' 2>/dev/null; then
        echo "   skipped: not a Python 3.9 or later"
        continue
    fi
    if ! "$py" -m pip --version >/dev/null 2>&1 ||
       ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        echo "   skipped: no pip or no venv/ensurepip"
        continue
    fi
    "$py" -c 'import sys, platform; print("   " + platform.python_implementation(), sys.version.split()[0], sys.executable)'
    worked=$((worked + 1))
    dir=$work/py$n
    mkdir -p "$dir"
    # One venv per Python (creating one takes seconds); each route
    # installs into it and the package is uninstalled before the next.
    # route NAME HOW SCRIPT: run SCRIPT (sh -c, with $0 = the Python, $1 =
    # this Python's directory, $2 = python/, $3 = the library) to install
    # into the venv $1/v, then the check
    if ! "$py" -m venv "$dir/v" >"$dir/log" 2>&1; then
        sed 's/^/    | /' "$dir/log" | tail -25
        echo "  FAILED: python -m venv ($py)"
        failures=$((failures + 1))
        continue
    fi
    route() {
        name=$1
        how=$2
        echo "  -- $name"
        rm -rf "$dir/out"
        if ! sh -c "$3" "$py" "$dir" "$here" "$real_lib" >"$dir/log" 2>&1; then
            sed 's/^/    | /' "$dir/log" | tail -25
            echo "  FAILED: $name ($py)"
            failures=$((failures + 1))
        elif ! check "$dir/v" "$how"; then
            echo "  FAILED: $name ($py): the installed package does not work"
            failures=$((failures + 1))
        fi
        "$dir/v/bin/python" -m pip uninstall -q -y gpusched >/dev/null 2>&1 ||
            true
        if "$dir/v/bin/python" -m pip show -q gpusched >/dev/null 2>&1; then
            echo "  FAILED: pip uninstall gpusched ($py)"
            failures=$((failures + 1))
        fi
    }
    route "pip install ./python" installed \
        '"$1/v/bin/python" -m pip install "$2"'
    route "pip install --no-build-isolation ./python" installed \
        '"$1/v/bin/python" -m pip install --no-build-isolation "$2"'
    route "pip install -e ./python" editable \
        '"$1/v/bin/python" -m pip install -e "$2"'
    route "GPUSCHED_BUNDLE_LIBRARY=... pip wheel ./python; pip install it" \
        bundled \
        'GPUSCHED_BUNDLE_LIBRARY=$3 "$1/v/bin/python" -m pip wheel --no-deps \
             -w "$1/out" "$2" &&
         ls "$1"/out/gpusched-*-py3-none-linux_*.whl &&
         "$1/v/bin/python" -m pip install "$1"/out/gpusched-*-py3-none-linux_*.whl'
    route "sdist (the backend), then pip install it" installed \
        '"$0" -c "import sys; sys.path.insert(0, sys.argv[1]); import gpusched_build as b; print(b.build_sdist(sys.argv[2]))" "$2/_build" "$1/out" &&
         "$1/v/bin/python" -m pip install "$1"/out/gpusched-*.tar.gz'
done

if [ "$worked" -eq 0 ]; then
    echo "$0: no usable Python among: $*" >&2
    exit 1
fi
if [ "$failures" -ne 0 ]; then
    echo "$0: $failures install route(s) failed" >&2
    exit 1
fi
echo "$0: every install route worked with $worked Python(s)"
