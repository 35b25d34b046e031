#!/bin/sh
# Run the Python binding's tests against the library of a build tree.
#
#   python/run_tests.sh BUILD_DIR [pytest options...]
#
# BUILD_DIR is a CMake build directory of this repository (the library is
# BUILD_DIR/lib/libgpusched.so). Needs Debian's python3 and python3-pytest
# (apt-get install python3-pytest); a C compiler for the ABI checks (they
# are skipped without one).
#
# Then python/test_install.sh BUILD_DIR installs the package the documented
# ways (offline, fresh virtual environments, python3 and Debian's
# /usr/bin/python3), unless pytest options were given (a subset was asked
# for) or GPUSCHED_INSTALL_TEST=0.
set -eu

if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [pytest options...]" >&2
    exit 2
fi
build=$1
shift

python=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
lib=$build/lib/libgpusched.so

if [ ! -e "$lib" ]; then
    echo "$0: $lib not found: build the library first" \
         "(cmake -S . -B $build && cmake --build $build)" >&2
    exit 2
fi
if ! "$python" -c 'import pytest' 2>/dev/null; then
    echo "$0: $python has no pytest: apt-get install python3-pytest" >&2
    exit 2
fi

build=$(cd "$build" && pwd)
GPUSCHED_LIBRARY=$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")
export GPUSCHED_LIBRARY
# keep the source tree clean
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

install_test=${GPUSCHED_INSTALL_TEST:-1}
[ $# -eq 0 ] || install_test=0

cd "$here/.."
"$python" -m pytest python/tests -q -p no:cacheprovider "$@"
if [ "$install_test" != 0 ]; then
    "$here/test_install.sh" "$build"
fi
